import Crypto
import Foundation
import TokenConfig

/// Which cached token a client may take: a digest of everything that changes the token it would
/// be issued. Two configurations that ask the same server the same thing share a token; any
/// difference (another client id, scope, audience, resource, authentication method, DPoP key or
/// certificate) is another key, so a client never gets another client's token.
public struct CacheKey: Sendable, Hashable, CustomStringConvertible {
    /// The hex SHA-256 of the parts: the cache file's name.
    public let digest: String

    /// The key for `configuration`.
    /// - Parameters:
    ///   - dpopThumbprint: the RFC 7638 thumbprint of the client's DPoP key, when it uses DPoP.
    ///   - certificateThumbprint: `x5t#S256` of the client's TLS certificate, when it presents one.
    public init(configuration: ClientConfiguration, dpopThumbprint: String?, certificateThumbprint: String?) {
        // The token endpoint as configured: discovery from `issuer-uri` would cost a request on
        // every call, and one issuer names one token endpoint.
        let parts: [String] = [
            "tokentop-cache-v1",
            configuration.tokenURI?.absoluteString ?? "",
            configuration.issuerURI?.absoluteString ?? "",
            configuration.clientID,
            configuration.authenticationMethod.rawValue,
            configuration.scopes.joined(separator: " "),
            configuration.audience ?? "",
            configuration.resources.joined(separator: " "),
            configuration.extraTokenParameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&"),
            configuration.dpop ? "dpop:" + (dpopThumbprint ?? "") : "",
            certificateThumbprint.map { "x5t#S256:" + $0 } ?? "",
        ]
        // Length-prefixed, so no value can pass for another's boundary.
        let encoded = parts.map { "\($0.utf8.count):\($0)" }.joined()
        digest = SHA256.hash(data: Data(encoded.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A digest read back from a file name; nil unless it is 64 lowercase hex digits.
    public init?(digest: String) {
        guard digest.utf8.count == 64, digest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            return nil
        }
        self.digest = digest
    }

    /// The first twelve hex digits: enough to tell entries apart in a listing.
    public var description: String { String(digest.prefix(12)) }
}
