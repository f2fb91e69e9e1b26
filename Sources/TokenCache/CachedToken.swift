import Foundation

/// One cached token, as its file holds it. The only place a token rests outside a process, so
/// it holds what a caller needs to hand the token out (its type, expiry, scopes) and what
/// `cache list` shows (client, who wrote it and when), and nothing else: no secret. With
/// `cache-encryption: keyring` the file holds all of it but the token, which rests in the keyring.
public struct CachedToken: Sendable, Equatable {
    /// The process that wrote an entry: `cache list` shows it.
    public struct Writer: Sendable, Equatable {
        /// `token`, `exec`, `git`, `dashboard` or `serve`.
        public var program: String
        public var pid: Int32

        public init(program: String, pid: Int32 = getpid()) {
            self.program = program
            self.pid = pid
        }
    }

    /// Where an entry's token rests.
    public enum TokenPlace: String, Sendable, Equatable {
        /// In the entry's own 0600 file.
        case file
        /// In the desktop keyring, under the entry's key; the file does not hold it.
        case keyring
    }

    /// The key the entry was written under; an entry found under another name is not used.
    public var key: CacheKey
    /// The configured client's name in the writer's configuration (for listing and `cache clear NAME`).
    public var client: String
    /// The token itself. Never printed but by the commands that hand it out.
    public var accessToken: String
    /// `Bearer` or `DPoP`, as the token endpoint said.
    public var tokenType: String
    public var issuedAt: Date
    public var expiresAt: Date
    public var scopes: [String]
    public var writer: Writer
    public var writtenAt: Date
    /// Where the token rests. An entry read from a keyring entry's file without asking the keyring
    /// (`TokenCacheStore.list()`) has an empty `accessToken`; lookups never return one.
    public var tokenPlace: TokenPlace

    public init(
        key: CacheKey, client: String, accessToken: String, tokenType: String, issuedAt: Date, expiresAt: Date,
        scopes: [String], writer: Writer, writtenAt: Date = Date(), tokenPlace: TokenPlace = .file
    ) {
        self.key = key
        self.client = client
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.scopes = scopes
        self.writer = writer
        self.writtenAt = writtenAt
        self.tokenPlace = tokenPlace
    }

    /// How long the token has left at `now` (negative once expired).
    public func remaining(at now: Date) -> TimeInterval { expiresAt.timeIntervalSince(now) }

    /// True when the token is bound to a DPoP key (RFC 9449): useless without that key.
    public var isDPoPBound: Bool { tokenType.caseInsensitiveCompare("DPoP") == .orderedSame }

    /// A token that may be written to a file and printed: visible ASCII only (RFC 6749 §A.12
    /// allows no more), so a line of output can never carry a control sequence.
    public static func isPrintableToken(_ token: String) -> Bool {
        !token.isEmpty && token.utf8.count <= CacheFile.largestFile && token.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}

// The file's shape: one JSON object, versioned, with explicit keys.
extension CachedToken: Codable {
    private enum CodingKeys: String, CodingKey {
        case version, key, client
        case accessToken = "access_token"
        case tokenType = "token_type"
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case scopes = "scope"
        case program = "written_by"
        case pid = "writer_pid"
        case writtenAt = "written_at"
        case tokenPlace = "token_in"
    }

    /// Bumped when the shape changes; an entry of another version is ignored and replaced.
    static let version = 1

    /// Reads an entry whose file holds its token; a keyring entry's file is refused, so a reader
    /// that does not ask the keyring can never hand out an empty token.
    public init(from decoder: any Decoder) throws {
        try self.init(from: decoder, acceptingTokenElsewhere: false)
    }

    /// Reads an entry; when `acceptingTokenElsewhere`, a keyring entry's file too, with an empty token.
    init(from decoder: any Decoder, acceptingTokenElsewhere: Bool) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard try container.decode(Int.self, forKey: .version) == Self.version else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: container, debugDescription: "another version")
        }
        guard let key = CacheKey(digest: try container.decode(String.self, forKey: .key)) else {
            throw DecodingError.dataCorruptedError(forKey: .key, in: container, debugDescription: "not a digest")
        }
        func date(_ field: CodingKeys) throws -> Date {
            // Seconds since 1970, checked before they become a Date: a file is outside data.
            let seconds = try container.decode(Double.self, forKey: field)
            guard seconds.isFinite, (0...1e11).contains(seconds) else {
                throw DecodingError.dataCorruptedError(forKey: field, in: container, debugDescription: "out of range")
            }
            return Date(timeIntervalSince1970: seconds)
        }
        self.key = key
        client = try container.decode(String.self, forKey: .client)
        // Absent in the files written before keyring entries existed: those hold their token.
        let place = try container.decodeIfPresent(String.self, forKey: .tokenPlace) ?? TokenPlace.file.rawValue
        guard let tokenPlace = TokenPlace(rawValue: place) else {
            throw DecodingError.dataCorruptedError(forKey: .tokenPlace, in: container, debugDescription: "unknown place")
        }
        self.tokenPlace = tokenPlace
        switch tokenPlace {
        case .file:
            accessToken = try container.decode(String.self, forKey: .accessToken)
            guard Self.isPrintableToken(accessToken) else {
                throw DecodingError.dataCorruptedError(forKey: .accessToken, in: container, debugDescription: "not a token")
            }
        case .keyring:
            guard acceptingTokenElsewhere, !container.contains(.accessToken) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .tokenPlace, in: container, debugDescription: "the token is in the keyring")
            }
            accessToken = ""
        }
        tokenType = try container.decode(String.self, forKey: .tokenType)
        issuedAt = try date(.issuedAt)
        expiresAt = try date(.expiresAt)
        scopes = try container.decode([String].self, forKey: .scopes)
        let pid = try container.decode(Int.self, forKey: .pid)
        guard let pid = Int32(exactly: pid) else {
            throw DecodingError.dataCorruptedError(forKey: .pid, in: container, debugDescription: "not a process id")
        }
        writer = Writer(program: try container.decode(String.self, forKey: .program), pid: pid)
        writtenAt = try date(.writtenAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.version, forKey: .version)
        try container.encode(key.digest, forKey: .key)
        try container.encode(client, forKey: .client)
        switch tokenPlace {
        case .file: try container.encode(accessToken, forKey: .accessToken)
        case .keyring: try container.encode(tokenPlace.rawValue, forKey: .tokenPlace)
        }
        try container.encode(tokenType, forKey: .tokenType)
        try container.encode(issuedAt.timeIntervalSince1970, forKey: .issuedAt)
        try container.encode(expiresAt.timeIntervalSince1970, forKey: .expiresAt)
        try container.encode(scopes, forKey: .scopes)
        try container.encode(writer.program, forKey: .program)
        try container.encode(Int(writer.pid), forKey: .pid)
        try container.encode(writtenAt.timeIntervalSince1970, forKey: .writtenAt)
    }
}

/// A cache file read for what it says of its entry, its token possibly elsewhere (in the keyring).
struct EntryFile: Decodable {
    let entry: CachedToken

    init(from decoder: any Decoder) throws {
        entry = try CachedToken(from: decoder, acceptingTokenElsewhere: true)
    }
}
