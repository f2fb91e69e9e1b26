import Foundation
import TokenModel

/// Reads token endpoint answers as real servers send them, not only as RFC 6749 says.
public enum TokenResponseParser {
    /// Lifetimes beyond a year are clamped: they are server bugs, and would overflow timers.
    static let maximumLifetime: TimeInterval = 366 * 86400

    /// Parses a 2xx token response (RFC 6749 §5.1), accepting `token_type` in any case,
    /// `expires_in` as a number or a numeric string, or absent (then the JWT's `exp`, else
    /// unknown), and keeping every other field, credentials masked. `dpop` accepts
    /// `token_type: DPoP` (RFC 9449 §5), in any case, for a client that sent a proof. `sent` are
    /// the credentials the request carried (the client's secret): a server that echoes them in an
    /// extra field gets them masked, as the access token is.
    public static func parseSuccess(
        _ body: Data, issuedAt: Date, endpoint: String?, dpop: Bool = false, sent: [String] = []
    ) throws(OAuthError) -> IssuedToken {
        guard let document = JSONValue(data: body)?.objectValue else {
            // Never quoted: a form-encoded success body would put the token in the error.
            throw OAuthError.invalidResponse(
                "token response is not a JSON object (\(body.count) bytes)", endpoint: endpoint, httpStatus: 200)
        }
        guard let accessToken = document["access_token"]?.stringValue, !accessToken.isEmpty else {
            throw OAuthError.invalidResponse("token response has no access_token", endpoint: endpoint, httpStatus: 200)
        }
        // Visible ASCII only (RFC 6750 §2.1 is stricter): the token is printed and sent as a header.
        guard accessToken.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw OAuthError.invalidResponse(
                "access_token holds characters a bearer token cannot have", endpoint: endpoint, httpStatus: 200)
        }
        let tokenType = document["token_type"]?.stringValue ?? "Bearer"
        switch tokenType.lowercased() {
        case "bearer", "n_a": break
        case "dpop" where dpop: break
        case "dpop":
            throw OAuthError.invalidResponse(
                "token_type is DPoP, but this client sends no DPoP proofs: set dpop: true", endpoint: endpoint,
                httpStatus: 200)
        default:
            throw OAuthError.invalidResponse(
                "token_type is \"\(TerminalText.sanitize(String(tokenType.prefix(40))))\"; only Bearer and DPoP tokens can be used",
                endpoint: endpoint, httpStatus: 200)
        }
        let decoded = TokenDecoder.decode(accessToken)
        // Numbers from the server are checked before any arithmetic: NaN, infinity and 1e300
        // are refused or clamped here, never passed on to timers and countdowns.
        let expiresAt: Date?
        if let field = document["expires_in"] {
            guard let expiresIn = field.numberValue, expiresIn.isFinite, expiresIn > 0 else {
                throw OAuthError.invalidResponse(
                    "expires_in is \(field.compactText.prefix(40)); expected a positive number of seconds",
                    endpoint: endpoint, httpStatus: 200)
            }
            expiresAt = issuedAt.addingTimeInterval(min(expiresIn, maximumLifetime))
        } else if let claim = decoded.claims["exp"] {
            guard let exp = claim.numberValue, exp.isFinite else {
                throw OAuthError.invalidResponse(
                    "the token's exp claim is \(claim.compactText.prefix(40)); expected a number", endpoint: endpoint,
                    httpStatus: 200)
            }
            expiresAt = Date(timeIntervalSince1970: min(exp, issuedAt.timeIntervalSince1970 + maximumLifetime))
        } else {
            expiresAt = nil
        }
        var scopes = document["scope"]?.stringValue?.split(separator: " ").map(String.init) ?? []
        if scopes.isEmpty { scopes = decoded.scopes }
        let refreshIn = document["refresh_in"]?.numberValue.flatMap {
            Duration(untrustedSeconds: min($0, maximumLifetime)).flatMap { $0 > .zero ? $0 : nil }
        }

        let known: Set = ["access_token", "token_type", "expires_in", "scope", "refresh_in"]
        // Masked here, once, so that no front end (the dashboard, check --json, serve) shows an
        // echoed secret or a second token in clear.
        let extra = Redaction.maskingCredentials(
            in: document.filter { !known.contains($0.key) && $0.key != "refresh_token" && $0.key != "id_token" },
            known: sent + [accessToken])
        let token = IssuedToken(
            accessToken: accessToken, tokenType: tokenType, issuedAt: issuedAt, expiresAt: expiresAt,
            scopes: scopes, refreshIn: refreshIn, extraFields: extra, decoded: decoded)
        if let problem = token.arrivalProblem(now: issuedAt, endpoint: endpoint) { throw problem }
        return token
    }

    /// Turns a non-2xx answer into an error: RFC 6749 §5.2 fields when present (standard
    /// or not), otherwise a summary of the status and body.
    /// A 429 without `Retry-After` waits until the rate limit's reset, when the answer gives one.
    public static func parseError(_ response: ReceivedResponse, endpoint: String?, now: Date) -> OAuthError {
        let retryAfter =
            response.retryAfter(now: now)
            ?? (response.status == 429 ? RateLimitHeaders.waitUntilReset(in: response.headers, now: now) : nil)
        if let document = JSONValue(data: response.body)?.objectValue,
            let code = document["error"]?.stringValue, !code.isEmpty
        {
            return .server(
                code: code, description: document["error_description"]?.stringValue,
                uri: document["error_uri"]?.stringValue, endpoint: endpoint, httpStatus: response.status,
                retryAfter: retryAfter)
        }
        let summary = BodySummary.describe(response.body, contentType: response.headers.first(name: "Content-Type"))
        return .httpStatus(
            response.status, summary: "HTTP \(response.status) \(HTTPStatusText.reasonPhrase(response.status)), \(summary)",
            endpoint: endpoint, retryAfter: retryAfter)
    }
}

/// Describes a body in a few words, for errors: never dumps an HTML page or a secret.
public enum BodySummary {
    public static func describe(_ body: Data, contentType: String?) -> String {
        if body.isEmpty { return "empty body" }
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        // Searched case-insensitively in `text` itself: indices of a lower-cased copy would not
        // fit `text` (lower-casing can change its length) and slicing with them would trap.
        let isHTML =
            contentType?.lowercased().contains("html") == true || text.range(of: "<html", options: .caseInsensitive) != nil
            || text.range(of: "<!doctype", options: .caseInsensitive) != nil
        if isHTML {
            if let start = text.range(of: "<title>", options: .caseInsensitive),
                let end = text.range(of: "</title>", options: .caseInsensitive, range: start.upperBound..<text.endIndex)
            {
                let title = text[start.upperBound..<end.lowerBound]
                return "HTML page \"\(TerminalText.sanitize(String(title)).prefix(80))\""
            }
            return "HTML page (\(body.count) bytes)"
        }
        let excerpt = TerminalText.sanitize(text)
        return excerpt.count > 120 ? "body \"\(excerpt.prefix(120))…\"" : "body \"\(excerpt)\""
    }
}
