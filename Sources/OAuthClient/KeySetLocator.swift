import Foundation
import TokenModel

/// Finds the key set of a JWT whose client names none (no `jwk-set-uri`, no `issuer-uri`), so
/// that "not configured" does not have to mean "not checked": the issuer an Okta-shaped token
/// endpoint implies, then the token's own `iss` when it shares the token endpoint's origin, each
/// through RFC 8414 / OpenID discovery with the metadata's issuer checked.
struct KeySetLocator {
    /// A key set found through an issuer's metadata.
    struct Located: Sendable, Equatable {
        var issuer: String
        var jwksURI: URL
    }

    /// How a search ended: found; nothing to find (every candidate answered, none with a key
    /// set: final for this client); or a candidate was out of reach (worth trying again).
    enum Outcome: Sendable, Equatable {
        case found(Located)
        case none(String)
        case unreachable(String)
    }

    let transport: HTTPTransport
    let timeout: Duration
    let caFile: String?
    let allowInsecureHTTP: Bool

    /// The issuers to try, most specific first, without repeats.
    static func candidateIssuers(tokenEndpoint: URL, tokenIssuer: String?) -> [URL] {
        var candidates: [URL] = []
        if let implied = impliedIssuer(ofTokenEndpoint: tokenEndpoint) { candidates.append(implied) }
        if let tokenIssuer, let issuer = URL(string: tokenIssuer), issuer.scheme != nil,
            URLText.origin(of: issuer) == URLText.origin(of: tokenEndpoint),
            !candidates.contains(where: { $0.absoluteString == issuer.absoluteString })
        {
            candidates.append(issuer)
        }
        return candidates
    }

    /// `…/oauth2/default/v1/token` → `…/oauth2/default` (an Okta custom authorization server);
    /// `…/oauth2/v1/token` → the origin (Okta's org authorization server). nil for other shapes.
    static func impliedIssuer(ofTokenEndpoint url: URL) -> URL? {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return nil }
        let path = components.path
        guard path.hasSuffix("/v1/token"), path.contains("/oauth2") else { return nil }
        var issuerPath = String(path.dropLast("/v1/token".count))
        if issuerPath == "/oauth2" { issuerPath = "" }
        components.path = issuerPath
        components.query = nil
        components.fragment = nil
        return components.url
    }

    /// Tries each candidate issuer's metadata for a `jwks_uri`.
    func locate(tokenEndpoint: URL, tokenIssuer: String?) async -> Outcome {
        let candidates = Self.candidateIssuers(tokenEndpoint: tokenEndpoint, tokenIssuer: tokenIssuer)
        guard !candidates.isEmpty else { return .none("no issuer to discover it from") }
        var misses: [String] = []
        for issuer in candidates {
            do {
                let found = try await MetadataDiscovery.discover(
                    issuer: issuer, transport: transport, timeout: timeout, caFile: caFile, allowInsecureHTTP: allowInsecureHTTP)
                if let jwks = found.metadata.jwksURI { return .found(Located(issuer: found.metadata.issuer, jwksURI: jwks)) }
                misses.append("\(URLText.describe(issuer)) publishes no jwks_uri")
            } catch {
                if error.isUnreachable { return .unreachable("discovery at \(URLText.describe(issuer)): \(error.reason)") }
                misses.append(error.reason)
            }
        }
        return .none(misses.joined(separator: "; "))
    }
}

/// Where the key set of a client that names none was looked for.
enum KeySetSearch: Sendable, Equatable {
    case notTried
    /// Found through discovery, at this issuer (the verifier then expects it in `iss`).
    case found(issuer: String)
    /// Every candidate answered and none has a key set: not looked for again.
    case none(String)
    /// A candidate was out of reach: looked for again from `at`.
    case retry(at: Date, String)

    var issuer: String? {
        if case .found(let issuer) = self { return issuer }
        return nil
    }

    /// Why nothing was found, and when to look again (nil: never).
    var notFound: (detail: String, retryAt: Date?) {
        switch self {
        case .none(let why): (why, nil)
        case .retry(let at, let why): (why, at)
        case .notTried, .found: ("nothing to discover it from", nil)
        }
    }
}
