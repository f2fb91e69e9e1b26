import Foundation
import TokenModel

/// What an authorization server says about itself (RFC 8414 §2; OpenID Connect Discovery).
public struct AuthorizationServerMetadata: Sendable, Equatable {
    public var issuer: String
    public var tokenEndpoint: URL?
    public var introspectionEndpoint: URL?
    public var revocationEndpoint: URL?
    public var jwksURI: URL?
    public var grantTypesSupported: [String]?
    public var tokenEndpointAuthMethodsSupported: [String]?
    /// The document the metadata came from.
    public var source: URL
    /// `mtls_endpoint_aliases` (RFC 8705 §5): the endpoints to call when presenting a client
    /// certificate, by metadata name (`token_endpoint`, ...).
    public var mtlsEndpointAliases: [String: URL] = [:]

    public init(
        issuer: String, tokenEndpoint: URL?, introspectionEndpoint: URL?, revocationEndpoint: URL?, jwksURI: URL?,
        grantTypesSupported: [String]?, tokenEndpointAuthMethodsSupported: [String]?, source: URL
    ) {
        self.issuer = issuer
        self.tokenEndpoint = tokenEndpoint
        self.introspectionEndpoint = introspectionEndpoint
        self.revocationEndpoint = revocationEndpoint
        self.jwksURI = jwksURI
        self.grantTypesSupported = grantTypesSupported
        self.tokenEndpointAuthMethodsSupported = tokenEndpointAuthMethodsSupported
        self.source = source
    }
}

/// Finds an issuer's metadata: RFC 8414 first, then OpenID Connect discovery.
public enum MetadataDiscovery {
    /// The documents to try, in order (RFC 8414 §3.1: the well-known segment goes between
    /// the host and the issuer's path; OpenID Connect appends it to the issuer).
    public static func candidateURLs(for issuer: URL) -> [URL] {
        guard var components = URLComponents(url: issuer, resolvingAgainstBaseURL: false) else { return [] }
        components.query = nil
        components.fragment = nil
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }

        var candidates: [URL] = []
        components.path = "/.well-known/oauth-authorization-server" + path
        if let url = components.url { candidates.append(url) }
        components.path = path + "/.well-known/openid-configuration"
        if let url = components.url { candidates.append(url) }
        if !path.isEmpty {
            // Okta serves RFC 8414 metadata under the issuer as well; some servers only there.
            components.path = path + "/.well-known/oauth-authorization-server"
            if let url = components.url { candidates.append(url) }
        }
        return candidates
    }

    /// Fetches and checks the metadata. Warnings (such as `client_credentials` missing from
    /// `grant_types_supported`, which real servers often omit) are returned, not thrown.
    public static func discover(
        issuer: URL, transport: HTTPTransport, timeout: Duration, caFile: String?, allowInsecureHTTP: Bool
    ) async throws(OAuthError) -> (metadata: AuthorizationServerMetadata, warnings: [String]) {
        var failures: [String] = []
        for url in candidateURLs(for: issuer) {
            let response: ReceivedResponse
            do {
                response = try await transport.send(
                    OutgoingRequest(
                        method: .get, url: url, headers: [("Accept", "application/json")], timeout: timeout,
                        caFile: caFile, allowInsecureHTTP: allowInsecureHTTP))
            } catch {
                // A transport failure will repeat for the next candidate: stop here.
                if error.isUnreachable || error.kind == .insecureTransport {
                    throw error
                }
                failures.append("\(URLText.describe(url)): \(error.reason)")
                continue
            }
            guard response.status == 200 else {
                failures.append("\(URLText.describe(url)): HTTP \(response.status)")
                continue
            }
            let metadata: AuthorizationServerMetadata
            do {
                metadata = try parse(response.body, source: url)
            } catch {
                // An HTML fallback page at one location must not hide the metadata at the next.
                failures.append("\(URLText.describe(url)): \(error.reason)")
                continue
            }
            let expected = issuer.absoluteString
            if trimSlash(metadata.issuer) != trimSlash(expected) {
                throw OAuthError.discovery(
                    "issuer in metadata is \"\(metadata.issuer)\" but issuer-uri is \"\(expected)\"; they must match (RFC 8414 §3.3)",
                    endpoint: URLText.describe(url))
            }
            var warnings: [String] = []
            if let grants = metadata.grantTypesSupported, !grants.contains("client_credentials") {
                warnings.append(
                    "\(expected) does not list client_credentials in grant_types_supported; trying it anyway")
            }
            return (metadata, warnings)
        }
        throw OAuthError.discovery(
            "no metadata found for issuer \(URLText.describe(issuer)): " + failures.joined(separator: "; "),
            endpoint: URLText.describe(issuer))
    }

    /// Parses a metadata document.
    public static func parse(_ body: Data, source: URL) throws(OAuthError) -> AuthorizationServerMetadata {
        guard let document = JSONValue(data: body)?.objectValue else {
            throw OAuthError.discovery("metadata is not a JSON object", endpoint: URLText.describe(source))
        }
        guard let issuer = document["issuer"]?.stringValue else {
            throw OAuthError.discovery("metadata has no \"issuer\"", endpoint: URLText.describe(source))
        }
        func url(_ key: String) -> URL? { document[key]?.stringValue.flatMap(URL.init(string:)) }
        func strings(_ key: String) -> [String]? { document[key]?.arrayValue?.compactMap(\.stringValue) }
        var metadata = AuthorizationServerMetadata(
            issuer: issuer, tokenEndpoint: url("token_endpoint"), introspectionEndpoint: url("introspection_endpoint"),
            revocationEndpoint: url("revocation_endpoint"), jwksURI: url("jwks_uri"),
            grantTypesSupported: strings("grant_types_supported"),
            tokenEndpointAuthMethodsSupported: strings("token_endpoint_auth_methods_supported"), source: source)
        metadata.mtlsEndpointAliases = (document["mtls_endpoint_aliases"]?.objectValue ?? [:]).compactMapValues {
            $0.stringValue.flatMap(URL.init(string:))
        }
        return metadata
    }

    private static func trimSlash(_ value: String) -> String {
        value.hasSuffix("/") ? String(value.dropLast()) : value
    }
}
