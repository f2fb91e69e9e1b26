// The snapshot's wire format has one rule for every number that comes from outside (a `serve`
// read by `--attach`, which may be hostile): dates travel as Unix seconds between 1970 and 9999,
// durations as whole nanoseconds from 0 to a century, counts and statuses as whole numbers in a
// stated range, offsets as finite numbers in a stated range. Each rule is a property wrapper here,
// so a model type declares it beside the field (`@UnixTime public var at: Date`) and keeps its
// synthesized `Codable`; a number outside its rule is a `DecodingError` naming the field's
// coding path, never a trap. These are the only places those checks are written.
import Foundation

/// A date on the wire: Unix seconds, 1970 to 9999 (`JSONValue.timestampValue`'s rule).
@propertyWrapper
public struct UnixTime: Codable, Sendable, Hashable {
    public var wrappedValue: Date

    public init(wrappedValue: Date) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let seconds = try container.decode(Double.self)
        guard let date = JSONValue.number(seconds).timestampValue else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\(JSONValue.numberText(seconds)) is not a Unix time between 1970 and 9999")
        }
        wrappedValue = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.timeIntervalSince1970)
    }
}

/// A duration on the wire: whole nanoseconds from 0 to a century (`Duration.longestConfigurable`).
@propertyWrapper
public struct Nanoseconds: Codable, Sendable, Hashable {
    public var wrappedValue: Duration

    public init(wrappedValue: Duration) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        wrappedValue = .nanoseconds(try WholeNumber.decode(from: decoder, in: 0...Duration.longestNanoseconds, unit: " ns"))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.clampedNanoseconds)
    }
}

/// The range a whole number on the wire must fall in.
public protocol WireRange {
    static var range: ClosedRange<Int> { get }
}

/// An HTTP status: 0 to 999.
public enum HTTPStatusRange: WireRange {
    public static let range = 0...999
}

/// A count or serial number: 0 to 2^31 − 1, so arithmetic on it never overflows.
public enum CountRange: WireRange {
    public static let range = 0...Int(Int32.max)
}

/// A limit that is never zero: 1 to 2^31 − 1.
public enum PositiveCountRange: WireRange {
    public static let range = 1...Int(Int32.max)
}

/// A whole number on the wire, within `Range.range`.
@propertyWrapper
public struct Bounded<Range: WireRange>: Codable, Sendable, Hashable {
    public var wrappedValue: Int

    public init(wrappedValue: Int) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let range = Range.range
        wrappedValue = Int(
            try WholeNumber.decode(from: decoder, in: Int64(range.lowerBound)...Int64(range.upperBound), unit: ""))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

/// The range a fractional number on the wire must fall in.
public protocol FiniteRange {
    static var range: ClosedRange<Double> { get }
}

/// A finite number on the wire, within `Range.range`.
@propertyWrapper
public struct Finite<Range: FiniteRange>: Codable, Sendable, Hashable {
    public var wrappedValue: Double

    public init(wrappedValue: Double) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(Double.self)
        guard value.isFinite, Range.range.contains(value) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "\(JSONValue.numberText(value)) is outside the range allowed")
        }
        wrappedValue = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

/// An optional field with one of the rules above: absent (or null) on the wire when nil.
@propertyWrapper
public struct Optionally<Wrapped: WireRule>: Codable, Sendable, Hashable {
    public var wrappedValue: Wrapped.Value?

    public init(wrappedValue: Wrapped.Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Wrapped.self).wrappedValue
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(Wrapped(wrappedValue: wrappedValue)) } else { try container.encodeNil() }
    }
}

/// A rule for one kind of number on the wire; what `Optionally` wraps.
public protocol WireRule: Codable, Sendable, Hashable {
    associatedtype Value: Sendable, Hashable
    var wrappedValue: Value { get }
    init(wrappedValue: Value)
}

extension UnixTime: WireRule {}
extension Nanoseconds: WireRule {}
extension Bounded: WireRule {}
extension Finite: WireRule {}

extension KeyedDecodingContainer {
    /// An absent optional field decodes as nil, as a plain `Optional` would.
    public func decode<Wrapped>(_ type: Optionally<Wrapped>.Type, forKey key: Key) throws -> Optionally<Wrapped> {
        try decodeIfPresent(type, forKey: key) ?? Optionally(wrappedValue: nil)
    }
}

extension KeyedEncodingContainer {
    /// A nil optional field is left out, as a plain `Optional` is.
    public mutating func encode<Wrapped>(_ value: Optionally<Wrapped>, forKey key: Key) throws {
        if let wrapped = value.wrappedValue { try encode(Wrapped(wrappedValue: wrapped), forKey: key) }
    }
}

/// The whole-number check behind `Nanoseconds`, `Bounded` and the keyed `integer(_:in:)`.
private enum WholeNumber {
    /// A whole number in `range`. A number that is not one (0.5, 1e30) is reported here, with
    /// its place, rather than by the JSON decoder.
    static func decode(from decoder: any Decoder, in range: ClosedRange<Int64>, unit: String) throws -> Int64 {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self), range.contains(value) { return value }
        let number = try container.decode(Double.self)
        throw DecodingError.dataCorruptedError(in: container, debugDescription: complaint(number, range, unit))
    }

    static func complaint(_ number: Double, _ range: ClosedRange<Int64>, _ unit: String) -> String {
        "\(JSONValue.numberText(number))\(unit) is not a whole number from \(range.lowerBound) to \(range.upperBound)"
    }
}

extension KeyedDecodingContainer {
    /// The rules above for the few types that decode by hand (their initializers keep invariants
    /// the wire must not bypass: `OAuthError`, `SignatureVerdict`), and for the listing's log windows.
    public func integer(_ key: Key, in range: ClosedRange<Int>) throws -> Int {
        let range = Int64(range.lowerBound)...Int64(range.upperBound)
        if let value = try? decode(Int64.self, forKey: key), range.contains(value) { return Int(value) }
        let number = try decode(Double.self, forKey: key)
        throw DecodingError.dataCorruptedError(
            forKey: key, in: self, debugDescription: WholeNumber.complaint(number, range, ""))
    }

    func integerIfPresent(_ key: Key, in range: ClosedRange<Int>) throws -> Int? {
        try decodeNilOrAbsent(key) ? nil : integer(key, in: range)
    }

    func dateIfPresent(_ key: Key) throws -> Date? {
        try decode(Optionally<UnixTime>.self, forKey: key).wrappedValue
    }

    func durationIfPresent(_ key: Key) throws -> Duration? {
        try decode(Optionally<Nanoseconds>.self, forKey: key).wrappedValue
    }

    private func decodeNilOrAbsent(_ key: Key) throws -> Bool {
        try !contains(key) || decodeNil(forKey: key)
    }
}

extension KeyedEncodingContainer {
    mutating func encodeIfPresent(date: Date?, forKey key: Key) throws {
        try encode(Optionally<UnixTime>(wrappedValue: date), forKey: key)
    }

    mutating func encodeIfPresent(duration: Duration?, forKey key: Key) throws {
        try encode(Optionally<Nanoseconds>(wrappedValue: duration), forKey: key)
    }
}

extension Duration {
    /// `longestConfigurable` in nanoseconds: about 3.2e18, inside Int64.
    static let longestNanoseconds = longestConfigurable.components.seconds * 1_000_000_000

    /// Whole nanoseconds, held to 0...`longestNanoseconds` so the receiver accepts it.
    var clampedNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        guard seconds < longestConfigurableSeconds else { return Self.longestNanoseconds }
        return min(seconds * 1_000_000_000 + attoseconds / 1_000_000_000, Self.longestNanoseconds)
    }

    private var longestConfigurableSeconds: Int64 { Self.longestConfigurable.components.seconds }
}

extension ClientSnapshot {
    /// The wire rules that span two fields, which no one field's rule can check; `nil` when they
    /// hold. Checked wherever a whole snapshot comes in from outside (`ClientsListing`).
    public var crossFieldViolation: (path: String, reason: String)? {
        if let budget = tokenEndpointBudget, budget.remaining > budget.limit {
            return ("token_endpoint_budget.remaining", "\(budget.remaining) is more than the limit, \(budget.limit)")
        }
        return nil
    }
}
