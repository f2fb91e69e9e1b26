import Foundation
import TokenModel

/// A client's snapshot as its wire JSON, for an answer to `since` that sends a merge patch of
/// it (`ClientChange.changed`, `MergePatch`) and the watcher that applies the patch to the
/// snapshot it holds. Both go through the snapshot's own `Codable`, so no field is listed here.
enum ClientFields {
    /// The snapshot's wire fields by key; nil when it cannot be encoded (a number JSON cannot spell).
    static func encoded(_ snapshot: ClientSnapshot) -> [String: ExactJSON]? {
        guard let data = try? JSONEncoder().encode(snapshot) else { return nil }
        return try? JSONDecoder().decode([String: ExactJSON].self, from: data)
    }

    /// `held` with `patch` applied (RFC 7386), except that a log is not an array to replace: one
    /// in `patch` is its newest records, one not in it is empty, a tail of no new records, to be
    /// joined to the log held (`ClientSnapshot.joined`). `name` stays `held`'s; a key the snapshot
    /// does not know is left out, as in a whole snapshot. Decoded as any snapshot from outside is,
    /// so a number out of its rule is a `DecodingError` whose path is its place in the patch.
    static func merged(_ patch: [String: ExactJSON], into held: ClientSnapshot) throws -> ClientSnapshot {
        guard var fields = encoded(held) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: [], debugDescription: "the snapshot held cannot be encoded"))
        }
        for log in ClientLogs.CodingKeys.allCases where patch[log.stringValue] == nil {
            fields[log.stringValue] = .array([])
        }
        fields = ExactJSON.merging(patch, into: fields)
        fields["name"] = .string(held.name)
        return try JSONDecoder().decode(ClientSnapshot.self, from: JSONEncoder().encode(fields))
    }

    /// The members of a fetch record that a patch entry leaves out when they hold these values,
    /// as nearly every record does (`"claim_changes":[]`, `"nonce_retried":false`: 41 bytes of a
    /// refresh's record); the watcher puts them back before the record is read.
    static let fetchRecordDefaults: [String: ExactJSON] = ["claim_changes": .array([]), "nonce_retried": .bool(false)]

    /// `patch` as a patch entry writes it: each new fetch record without its members that hold
    /// their default. Only on the wire: a patch read has them back (`restoringDefaults`).
    static func leavingOutDefaults(_ patch: [String: ExactJSON]) -> [String: ExactJSON] {
        eachFetchRecord(of: patch) { record in record.filter { fetchRecordDefaults[$0.key] != $0.value } }
    }

    /// `patch` as a patch entry was read: each fetch record given the members it left out, with
    /// their default; a member sent (even a wrong one) is kept, for the record's own rules to judge.
    static func restoringDefaults(_ patch: [String: ExactJSON]) -> [String: ExactJSON] {
        eachFetchRecord(of: patch) { record in record.merging(fetchRecordDefaults) { sent, _ in sent } }
    }

    /// `patch` with each object among the records of its `history` changed by `change`; anything
    /// else as it is.
    private static func eachFetchRecord(
        of patch: [String: ExactJSON], _ change: ([String: ExactJSON]) -> [String: ExactJSON]
    ) -> [String: ExactJSON] {
        let key = ClientLogs.CodingKeys.history.stringValue
        guard case .array(let records)? = patch[key] else { return patch }
        var changed = patch
        changed[key] = .array(records.map { record in record.objectValue.map { .object(change($0)) } ?? record })
        return changed
    }
}

/// A JSON value whose whole numbers stay exact: the merge patch of a `ClientChange`. `JSONValue` holds
/// every number as a Double, which rounds nanoseconds above 2^53 (a credential warning over 104
/// days) and spells them with an exponent that the whole-number rules refuse.
public enum ExactJSON: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    /// Any number whose value is whole and fits Int64, however it was spelled (`5.0` too), so a
    /// value read, written and read again is the same case.
    case integer(Int64)
    /// Any other number: a date's Unix seconds, a fraction, a whole number past Int64.
    case number(Double)
    case string(String)
    case array([ExactJSON])
    case object([String: ExactJSON])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = Int64(exactly: value).map(ExactJSON.integer) ?? .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ExactJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ExactJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The elements, when the value is an array.
    public var arrayValue: [ExactJSON]? {
        if case .array(let value) = self { return value }
        return nil
    }
}

extension DecodingError {
    /// The same error found at `prefix` followed by its own path: for a document decoded inside another.
    func placed(under prefix: [any CodingKey]) -> DecodingError {
        func moved(_ context: Context) -> Context {
            Context(codingPath: prefix + context.codingPath, debugDescription: context.debugDescription)
        }
        switch self {
        case .typeMismatch(let type, let context): return .typeMismatch(type, moved(context))
        case .valueNotFound(let type, let context): return .valueNotFound(type, moved(context))
        case .keyNotFound(let key, let context): return .keyNotFound(key, moved(context))
        case .dataCorrupted(let context): return .dataCorrupted(moved(context))
        @unknown default: return self
        }
    }
}
