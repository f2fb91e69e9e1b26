import Foundation
import TokenConfig
import TokenModel

/// The values metric labels may take. Each set is bounded: nothing a server sends reaches a
/// label unless it is one of a known, fixed set of values.
enum MetricLabels {
    /// The `error` label of a failed fetch: a server's OAuth code when it is one the RFCs define
    /// (`OAuthErrorCode.standard`), `other` for any other code a server sends, and tokentop's own
    /// code (one per `OAuthError.Kind`) when no OAuth error came.
    static func errorCode(_ error: OAuthError) -> String {
        if case .server(let code) = error.kind { return code.isStandard ? code.rawValue : "other" }
        return error.code
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
        (client.issuerURI ?? client.tokenURI).map { URLText.describe($0) } ?? "unknown"
    }
}
