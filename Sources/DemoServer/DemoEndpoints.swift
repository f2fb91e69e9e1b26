import Foundation
import Synchronization

/// Every URL of the two demo servers, derived from where they listen.
public struct DemoEndpoints: Sendable, Equatable {
    /// `http://HOST:PORT` of the authorization server.
    public let authorizationBase: URL
    /// `http://HOST:PORT` of the resource server.
    public let resourceBase: URL

    /// The path of the Okta-shaped issuer under the authorization server.
    static let issuerPath = "/oauth2/default"

    /// `http://HOST:PORT/oauth2/default`.
    public var issuer: URL { authorizationBase.appending(path: "oauth2/default") }
    /// RFC 8414 metadata where §3.1 puts it: inserted before the issuer's path.
    public var metadataURL: URL { authorizationBase.appending(path: ".well-known/oauth-authorization-server/oauth2/default") }
    /// RFC 8414 metadata where Okta puts it: under the issuer.
    public var issuerMetadataURL: URL { issuer.appending(path: ".well-known/oauth-authorization-server") }
    /// `ISSUER/v1/token`.
    public var tokenEndpoint: URL { issuer.appending(path: "v1/token") }
    /// `ISSUER/v1/keys`: the JWKS.
    public var jwksURI: URL { issuer.appending(path: "v1/keys") }
    /// `ISSUER/v1/introspect` (RFC 7662).
    public var introspectionEndpoint: URL { issuer.appending(path: "v1/introspect") }
    /// `ISSUER/v1/revoke` (RFC 7009).
    public var revocationEndpoint: URL { issuer.appending(path: "v1/revoke") }
    /// `POST` faults here, with the admin token (loopback only).
    public var adminFaultsURL: URL { authorizationBase.appending(path: "admin/faults") }
    /// `POST` here to rotate the signing key now (loopback only).
    public var adminRotateKeysURL: URL { authorizationBase.appending(path: "admin/rotate-keys") }
    /// The protected `/mod` endpoint.
    public var resourceURL: URL { resourceBase.appending(path: "mod") }

    /// The values a client assertion's `aud` may name when it is sent to `endpoint`.
    func assertionAudiences(_ policy: AssertionAudiencePolicy, calling endpoint: URL) -> Set<String> {
        let urls: [URL] =
            switch policy {
            case .tokenEndpoint: [tokenEndpoint, issuer]
            case .calledEndpoint: [endpoint]
            case .any: [issuer, tokenEndpoint, introspectionEndpoint, revocationEndpoint]
            }
        return Set(urls.map(\.absoluteString))
    }

    /// `http://host:port`, bracketing IPv6 and naming loopback for a wildcard bind.
    static func baseURL(host: String, port: Int) -> URL {
        let shown: String
        switch host {
        case "0.0.0.0", "": shown = "127.0.0.1"
        case "::": shown = "[::1]"
        default: shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
        return URL(string: "http://\(shown):\(port)")!
    }
}

/// Where the servers listen, filled in as each binds: a handler can run only after its own
/// server has bound, and the resource server asks for the authorization server's URLs lazily.
final class DemoAddressBook: Sendable {
    private let state = Mutex<(authorization: URL?, resource: URL?)>((nil, nil))

    func setAuthorization(_ url: URL) { state.withLock { $0.authorization = url } }
    func setResource(_ url: URL) { state.withLock { $0.resource = url } }

    /// Both URLs, once both servers listen.
    var endpoints: DemoEndpoints? {
        state.withLock { state in
            guard let authorization = state.authorization, let resource = state.resource else { return nil }
            return DemoEndpoints(authorizationBase: authorization, resourceBase: resource)
        }
    }

    /// The authorization server's own base, as soon as it listens.
    var authorizationBase: URL? { state.withLock { $0.authorization } }
}
