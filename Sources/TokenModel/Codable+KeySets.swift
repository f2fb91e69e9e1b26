// The snapshot's wire format (see `Codable+Snapshot.swift`): the key set a client's issuer publishes,
// its keys and what changed in it.
import Foundation

extension PublishedKey: Codable {
    private enum CodingKeys: String, CodingKey {
        case kid, type, use
        case algorithm = "alg"
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            kid: try container.decodeIfPresent(String.self, forKey: .kid),
            type: try container.decode(String.self, forKey: .type),
            algorithm: try container.decodeIfPresent(String.self, forKey: .algorithm),
            use: try container.decodeIfPresent(String.self, forKey: .use),
            firstSeen: try container.date(.firstSeen),
            lastSeen: try container.date(.lastSeen))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(kid, forKey: .kid)
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(algorithm, forKey: .algorithm)
        try container.encodeIfPresent(use, forKey: .use)
        try container.encode(date: firstSeen, forKey: .firstSeen)
        try container.encode(date: lastSeen, forKey: .lastSeen)
    }
}

extension KeySetChange: Codable {
    private enum CodingKeys: String, CodingKey { case kind, kid, at }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            kind: try container.decode(Kind.self, forKey: .kind),
            kid: try container.decodeIfPresent(String.self, forKey: .kid),
            at: try container.date(.at))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(kid, forKey: .kid)
        try container.encode(date: at, forKey: .at)
    }
}

extension KeySetStatus: Codable {
    private enum CodingKeys: String, CodingKey {
        case source, keys, changes
        case fetchedAt = "fetched_at"
        case maxAge = "max_age_ns"
        case lastError = "last_error"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            source: try container.decode(String.self, forKey: .source),
            keys: try container.decode([PublishedKey].self, forKey: .keys),
            changes: try container.decode([KeySetChange].self, forKey: .changes),
            fetchedAt: try container.dateIfPresent(.fetchedAt),
            maxAge: try container.durationIfPresent(.maxAge),
            lastError: try container.decodeIfPresent(String.self, forKey: .lastError))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(keys, forKey: .keys)
        try container.encode(changes, forKey: .changes)
        try container.encodeIfPresent(date: fetchedAt, forKey: .fetchedAt)
        try container.encodeIfPresent(duration: maxAge, forKey: .maxAge)
        try container.encodeIfPresent(lastError, forKey: .lastError)
    }
}
