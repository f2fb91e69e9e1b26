import Foundation

/// Any JSON value, kept as received: claims, introspection answers and the extra fields
/// of a token response are shown to the operator as they came.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses a JSON document; nil when it is not JSON.
    public init?(data: some DataProtocol) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(data)) else { return nil }
        self = value
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// A number, or a string that holds one: servers send `expires_in` both ways.
    public var numberValue: Double? {
        switch self {
        case .number(let value): return value
        case .string(let value): return Double(value.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// A NumericDate (RFC 7519 §2) that a calendar can hold: seconds from 1970 up to the year
    /// 9999. NaN, infinity, 1e300 and negatives are nil, so no date arithmetic can trap.
    public var timestampValue: Date? {
        guard case .number(let seconds) = self, seconds.isFinite, (0...253_402_300_799).contains(seconds) else {
            return nil
        }
        return Date(timeIntervalSince1970: seconds)
    }

    /// A number as people read it: a whole number without a fraction, anything else (1e300,
    /// 2^64, 0.5) as Swift prints a Double. Never traps, whatever the server sent.
    public static func numberText(_ number: Double) -> String {
        if number.isFinite, number == number.rounded(), abs(number) < 9e15 { return String(Int64(number)) }
        return String(number)
    }

    public var boolValue: Bool? {
        switch self {
        case .bool(let value): return value
        case .string(let value): return ["true": true, "false": false][value.lowercased()]
        default: return nil
        }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Compact JSON with sorted keys, for one-line display and stable output.
    public var compactText: String {
        (try? WireJSON.text(self, compact: true)) ?? ""
    }

    /// Indented JSON with sorted keys, for the claims view and `decode`.
    public var prettyText: String {
        (try? WireJSON.text(self)) ?? ""
    }
}

/// The one JSON spelling tokentop writes: keys sorted for stable output, `/` unescaped in URLs.
public enum WireJSON {
    /// `value` as JSON text, indented unless `compact`. Throws only for a number JSON cannot
    /// spell (NaN, infinity).
    public static func text(_ value: some Encodable, compact: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            compact ? [.sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
