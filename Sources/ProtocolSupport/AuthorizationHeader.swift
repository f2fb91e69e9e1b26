import Foundation

/// An `Authorization` header as its scheme and credentials (RFC 9110 §11.6.2): `Bearer TOKEN`,
/// `DPoP TOKEN`, `Basic BASE64`. `serve`, the demo's resource server, its admin endpoint and its
/// Basic client authentication all read headers here, so they agree on what a header says.
public struct AuthorizationHeader: Sendable, Equatable {
    /// The scheme, lowercased: schemes are case-insensitive (RFC 9110 §11.1).
    public let scheme: String
    /// What follows the scheme, without surrounding spaces or tabs; empty when nothing does.
    public let credentials: String

    /// Nil for a header with no scheme: empty, or only spaces.
    public init?(_ header: String) {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard let scheme = parts.first else { return nil }
        self.scheme = scheme.lowercased()
        credentials = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
    }

    /// The token of a `Bearer` header (RFC 6750 §2.1); nil for no header, another scheme, or no token.
    public static func bearerToken(_ header: String?) -> String? {
        guard let authorization = header.flatMap(AuthorizationHeader.init), authorization.scheme == "bearer",
            !authorization.credentials.isEmpty
        else { return nil }
        return authorization.credentials
    }
}

/// Comparing a presented secret with the expected one.
public enum ConstantTime {
    /// Equality that takes as long for a near miss as for a far one, and whose time depends on
    /// the presented secret's length only, so neither the expected secret's bytes nor its length
    /// can be learnt by timing answers.
    public static func equals(presented: String, expected: String) -> Bool {
        let presented = Array(presented.utf8)
        let expected = Array(expected.utf8)
        guard !expected.isEmpty else { return presented.isEmpty }
        var difference = presented.count ^ expected.count
        for index in presented.indices {
            difference |= Int(presented[index] ^ expected[index % expected.count])
        }
        return difference == 0
    }
}
