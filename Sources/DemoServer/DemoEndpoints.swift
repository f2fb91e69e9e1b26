import Foundation
import Synchronization

/// Every URL of the two demo servers, derived from where they listen.
public struct DemoEndpoints: Sendable, Equatable {
    /// `http://HOST:PORT` of the authorization server.
    public let authorizationBase: URL
    /// `http://HOST:PORT` of the resource server.
    public let resourceBase: URL
    /// `https://HOST:PORT` of the authorization server's mutual-TLS listener; nil without TLS.
    public let mtlsAuthorizationBase: URL?
    /// `https://HOST:PORT` of the resource server's mutual-TLS listener; nil without TLS.
    public let mtlsResourceBase: URL?

    /// The URLs of servers listening at these bases.
    public init(authorizationBase: URL, resourceBase: URL, mtlsAuthorizationBase: URL? = nil, mtlsResourceBase: URL? = nil) {
        self.authorizationBase = authorizationBase
        self.resourceBase = resourceBase
        self.mtlsAuthorizationBase = mtlsAuthorizationBase
        self.mtlsResourceBase = mtlsResourceBase
    }

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

    /// The token endpoint on the mutual-TLS listener (an `mtls_endpoint_aliases` entry, RFC 8705 §5).
    public var mtlsTokenEndpoint: URL? { mtls?.tokenEndpoint }
    /// The introspection endpoint on the mutual-TLS listener (an `mtls_endpoint_aliases` entry).
    public var mtlsIntrospectionEndpoint: URL? { mtls?.introspectionEndpoint }
    /// The revocation endpoint on the mutual-TLS listener (an `mtls_endpoint_aliases` entry).
    public var mtlsRevocationEndpoint: URL? { mtls?.revocationEndpoint }
    /// `/mod` on the resource server's mutual-TLS listener, where certificate-bound tokens are checked.
    public var mtlsResourceURL: URL? { mtls?.resourceURL }

    /// The URLs as reached through the mutual-TLS listeners (its `issuer` is not the issuer).
    private var mtls: DemoEndpoints? {
        guard let mtlsAuthorizationBase, let mtlsResourceBase else { return nil }
        return DemoEndpoints(authorizationBase: mtlsAuthorizationBase, resourceBase: mtlsResourceBase)
    }

    /// The URLs a request that came through `listener` was sent to. The issuer stays the plain
    /// listener's: it names the server, whichever way it is reached.
    func reached(through listener: DemoListener) -> (
        tokenEndpoint: URL, introspectionEndpoint: URL, revocationEndpoint: URL, resourceURL: URL
    ) {
        let via = listener == .mutualTLS ? mtls ?? self : self
        return (via.tokenEndpoint, via.introspectionEndpoint, via.revocationEndpoint, via.resourceURL)
    }

    /// The values a client assertion's `aud` may name when it is sent to `endpoint`.
    func assertionAudiences(_ policy: AssertionAudiencePolicy, calling endpoint: URL) -> Set<String> {
        let urls: [URL] =
            switch policy {
            case .tokenEndpoint: [tokenEndpoint, issuer] + [mtlsTokenEndpoint].compactMap { $0 }
            case .calledEndpoint: [endpoint]
            case .any:
                [issuer, tokenEndpoint, introspectionEndpoint, revocationEndpoint]
                    + [mtlsTokenEndpoint, mtlsIntrospectionEndpoint, mtlsRevocationEndpoint].compactMap { $0 }
            }
        return Set(urls.map(\.absoluteString))
    }

    /// `http://host:port` (or `https://`), bracketing IPv6 and naming loopback for a wildcard bind.
    static func baseURL(host: String, port: Int, secure: Bool = false) -> URL {
        let shown: String
        switch host {
        case "0.0.0.0", "": shown = "127.0.0.1"
        case "::": shown = "[::1]"
        default: shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
        return URL(string: "\(secure ? "https" : "http")://\(shown):\(port)")!
    }
}

/// Where the servers listen, filled in as each binds: a handler can run only after its own
/// server has bound, and the resource server asks for the authorization server's URLs lazily.
final class DemoAddressBook: Sendable {
    private struct Bases {
        var authorization: URL?
        var resource: URL?
        var mtlsAuthorization: URL?
        var mtlsResource: URL?
    }

    private let state = Mutex(Bases())
    /// Whether the servers have mutual-TLS listeners too.
    let expectsTLS: Bool

    init(expectsTLS: Bool) { self.expectsTLS = expectsTLS }

    func setAuthorization(_ url: URL) { state.withLock { $0.authorization = url } }
    func setResource(_ url: URL) { state.withLock { $0.resource = url } }
    func setMTLSAuthorization(_ url: URL) { state.withLock { $0.mtlsAuthorization = url } }
    func setMTLSResource(_ url: URL) { state.withLock { $0.mtlsResource = url } }

    /// Every URL, once every listener listens.
    var endpoints: DemoEndpoints? {
        state.withLock { state in
            guard let authorization = state.authorization, let resource = state.resource else { return nil }
            guard !expectsTLS || (state.mtlsAuthorization != nil && state.mtlsResource != nil) else { return nil }
            return DemoEndpoints(
                authorizationBase: authorization, resourceBase: resource, mtlsAuthorizationBase: state.mtlsAuthorization,
                mtlsResourceBase: state.mtlsResource)
        }
    }

    /// The authorization server's own base, as soon as it listens.
    var authorizationBase: URL? { state.withLock { $0.authorization } }
}
