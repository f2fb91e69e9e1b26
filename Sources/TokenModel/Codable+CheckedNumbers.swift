// The checked numbers of the snapshot's wire format (see `Codable+Snapshot.swift`): dates, durations and
// integers from outside are range-checked before conversion, so hostile JSON is a `DecodingError`, never a trap.
import Foundation

extension KeyedDecodingContainer {
    /// Unix seconds between 1970 and 9999 (`JSONValue.timestampValue`'s rule).
    func date(_ key: Key) throws -> Date {
        let seconds = try decode(Double.self, forKey: key)
        guard let date = JSONValue.number(seconds).timestampValue else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "\(JSONValue.numberText(seconds)) is not a Unix time between 1970 and 9999")
        }
        return date
    }

    func dateIfPresent(_ key: Key) throws -> Date? {
        try decodeNilOrAbsent(key) ? nil : date(key)
    }

    /// Whole nanoseconds from 0 to a century (`Duration.longestConfigurable`).
    func duration(_ key: Key) throws -> Duration {
        .nanoseconds(try whole(key, in: 0...Duration.longestNanoseconds, unit: " ns"))
    }

    func durationIfPresent(_ key: Key) throws -> Duration? {
        try decodeNilOrAbsent(key) ? nil : duration(key)
    }

    /// A whole number in `range`; public for the other wire types beside the snapshot (the
    /// listing's log windows), so that every number from outside passes this one check.
    public func integer(_ key: Key, in range: ClosedRange<Int>) throws -> Int {
        Int(try whole(key, in: Int64(range.lowerBound)...Int64(range.upperBound), unit: ""))
    }

    func integerIfPresent(_ key: Key, in range: ClosedRange<Int>) throws -> Int? {
        try decodeNilOrAbsent(key) ? nil : integer(key, in: range)
    }

    /// A whole number in `range`. A number that is not one (0.5, 1e30) is reported here, with
    /// its key, rather than by the JSON decoder, which would lose the place.
    private func whole(_ key: Key, in range: ClosedRange<Int64>, unit: String) throws -> Int64 {
        if let value = try? decode(Int64.self, forKey: key), range.contains(value) { return value }
        let number = try decode(Double.self, forKey: key)
        throw DecodingError.dataCorruptedError(
            forKey: key, in: self,
            debugDescription:
                "\(JSONValue.numberText(number))\(unit) is not a whole number from \(range.lowerBound) to \(range.upperBound)")
    }

    private func decodeNilOrAbsent(_ key: Key) throws -> Bool {
        try !contains(key) || decodeNil(forKey: key)
    }

    func finite(_ key: Key, within range: ClosedRange<Double>) throws -> Double {
        let value = try decode(Double.self, forKey: key)
        guard value.isFinite, range.contains(value) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\(JSONValue.numberText(value)) is outside the range allowed")
        }
        return value
    }
}

extension KeyedEncodingContainer {
    mutating func encode(date: Date, forKey key: Key) throws {
        try encode(date.timeIntervalSince1970, forKey: key)
    }

    mutating func encodeIfPresent(date: Date?, forKey key: Key) throws {
        if let date { try encode(date: date, forKey: key) }
    }

    mutating func encode(duration: Duration, forKey key: Key) throws {
        try encode(duration.clampedNanoseconds, forKey: key)
    }

    mutating func encodeIfPresent(duration: Duration?, forKey key: Key) throws {
        if let duration { try encode(duration: duration, forKey: key) }
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
