import Foundation

/// One cached token, as its file holds it. The only place a token rests outside a process, so
/// it holds what a caller needs to hand the token out (its type, expiry, scopes) and what
/// `cache list` shows (client, who wrote it and when), and nothing else: no secret.
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

    public init(
        key: CacheKey, client: String, accessToken: String, tokenType: String, issuedAt: Date, expiresAt: Date,
        scopes: [String], writer: Writer, writtenAt: Date = Date()
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
    }

    /// Bumped when the shape changes; an entry of another version is ignored and replaced.
    static let version = 1

    public init(from decoder: any Decoder) throws {
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
        accessToken = try container.decode(String.self, forKey: .accessToken)
        guard Self.isPrintableToken(accessToken) else {
            throw DecodingError.dataCorruptedError(forKey: .accessToken, in: container, debugDescription: "not a token")
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
        try container.encode(accessToken, forKey: .accessToken)
        try container.encode(tokenType, forKey: .tokenType)
        try container.encode(issuedAt.timeIntervalSince1970, forKey: .issuedAt)
        try container.encode(expiresAt.timeIntervalSince1970, forKey: .expiresAt)
        try container.encode(scopes, forKey: .scopes)
        try container.encode(writer.program, forKey: .program)
        try container.encode(Int(writer.pid), forKey: .pid)
        try container.encode(writtenAt.timeIntervalSince1970, forKey: .writtenAt)
    }
}
