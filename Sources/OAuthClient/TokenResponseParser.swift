import Foundation
import TokenModel

/// Reads token endpoint answers as real servers send them, not only as RFC 6749 says.
public enum TokenResponseParser {
    /// Lifetimes beyond a year are clamped: they are server bugs, and would overflow timers.
    static let maximumLifetime: TimeInterval = 366 * 86400

    /// Parses a 2xx token response (RFC 6749 §5.1), accepting `token_type` in any case,
    /// `expires_in` as a number or a numeric string, or absent (then the JWT's `exp`, else
    /// unknown), and keeping every other field.
    public static func parseSuccess(_ body: Data, issuedAt: Date, endpoint: String?) throws(OAuthError) -> IssuedToken {
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
        guard tokenType.lowercased() == "bearer" || tokenType.lowercased() == "n_a" else {
            throw OAuthError.invalidResponse(
                "token_type is \"\(tokenType)\"; only Bearer tokens can be used", endpoint: endpoint, httpStatus: 200)
        }
        let decoded = TokenDecoder.decode(accessToken)
        var expiresAt: Date?
        if let expiresIn = document["expires_in"]?.numberValue, expiresIn > 0 {
            expiresAt = issuedAt.addingTimeInterval(min(expiresIn, maximumLifetime))
        } else {
            expiresAt = decoded.expiresAt
        }
        var scopes = document["scope"]?.stringValue?.split(separator: " ").map(String.init) ?? []
        if scopes.isEmpty { scopes = decoded.scopes }
        let refreshIn = document["refresh_in"]?.numberValue.flatMap { $0 > 0 ? Duration.seconds(min($0, maximumLifetime)) : nil }

        let known: Set = ["access_token", "token_type", "expires_in", "scope", "refresh_in"]
        let extra = document.filter { !known.contains($0.key) && $0.key != "refresh_token" && $0.key != "id_token" }
        return IssuedToken(
            accessToken: accessToken, tokenType: tokenType, issuedAt: issuedAt, expiresAt: expiresAt,
            scopes: scopes, refreshIn: refreshIn, extraFields: extra, decoded: decoded)
    }

    /// Turns a non-2xx answer into an error: RFC 6749 §5.2 fields when present (standard
    /// or not), otherwise a summary of the status and body.
    public static func parseError(_ response: ReceivedResponse, endpoint: String?, now: Date) -> OAuthError {
        let retryAfter = response.retryAfter(now: now)
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
            response.status, summary: "HTTP \(response.status) \(BodySummary.reasonPhrase(response.status)), \(summary)",
            endpoint: endpoint, retryAfter: retryAfter)
    }
}

/// Describes a body in a few words, for errors: never dumps an HTML page or a secret.
public enum BodySummary {
    public static func describe(_ body: Data, contentType: String?) -> String {
        if body.isEmpty { return "empty body" }
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        let lowered = text.lowercased()
        if contentType?.lowercased().contains("html") == true || lowered.contains("<html") || lowered.contains("<!doctype") {
            if let start = lowered.range(of: "<title>"), let end = lowered.range(of: "</title>", range: start.upperBound..<lowered.endIndex) {
                let title = text[start.upperBound..<end.lowerBound]
                return "HTML page \"\(TerminalText.sanitize(String(title)).prefix(80))\""
            }
            return "HTML page (\(body.count) bytes)"
        }
        let excerpt = TerminalText.sanitize(text)
        return excerpt.count > 120 ? "body \"\(excerpt.prefix(120))…\"" : "body \"\(excerpt)\""
    }

    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return ""
        }
    }
}
