import Foundation
import OAuthClient
import TokenModel
import TokenConfig

/// The values metric labels may take. Each set is bounded: nothing a server sends reaches a
/// label unless it is one of a known, fixed set of values.
enum MetricLabels {
    /// The OAuth `error` codes the RFCs define: RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1,
    /// RFC 7009 §2.2.1.
    static let standardErrorCodes: Set<String> = [
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
        "invalid_scope", "access_denied", "unsupported_response_type", "server_error", "temporarily_unavailable",
        "invalid_token", "insufficient_scope", "unsupported_token_type",
    ]

    /// The codes tokentop gives failures that carry no OAuth error (`OAuthError.code`).
    static let tokentopErrorCodes: Set<String> = [
        "http_error", "transport_error", "timeout", "body_too_large", "redirect_refused", "insecure_transport",
        "invalid_response", "discovery_failed", "configuration_error",
    ]

    /// The `error` label of a failed fetch: a standard or tokentop code as is, anything else `other`.
    static func errorCode(_ error: OAuthError) -> String {
        let code = error.code
        return standardErrorCodes.contains(code) || tokentopErrorCodes.contains(code) ? code : "other"
    }

    /// `error` on a successful fetch.
    static let noError = "none"

    /// `2xx` for 200...299 and so on; `none` when no answer came or the status is not HTTP's.
    static func statusClass(_ status: Int?) -> String {
        guard let status, (100...599).contains(status) else { return "none" }
        return "\(status / 100)xx"
    }

    /// The issuer a client's series carry: its `issuer-uri`, else its `token-uri`, without query
    /// or credentials; `unknown` when neither is configured (discovery-less configurations need one).
    static func issuer(of client: ClientConfiguration) -> String {
        (client.issuerURI ?? client.tokenURI).map { HTTPTransport.describe($0) } ?? "unknown"
    }
}
