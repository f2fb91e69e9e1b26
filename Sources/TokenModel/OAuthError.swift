import Foundation

/// Everything that can go wrong between tokentop and an authorization or resource server.
/// Each error names what failed and where; none carries a secret or a whole token.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        /// An RFC 6749 §5.2 error response (any `error` code, standard or not).
        case server(code: String, description: String?, uri: String?)
        /// A non-2xx answer without an RFC 6749 error body: summarised, never dumped.
        case httpStatus(summary: String)
        case transport(String)
        case timeout(Duration)
        case bodyTooLarge(limit: Int)
        case redirectRefused(location: String)
        case insecureTransport
        case invalidResponse(String)
        case discovery(String)
        case configuration(String)
    }

    private let kind: Kind
    /// The endpoint that failed, without query or credentials.
    public let endpoint: String?
    /// The HTTP status, when an answer came.
    public let httpStatus: Int?
    /// `Retry-After` from the answer, when present.
    public let retryAfter: Duration?

    private init(_ kind: Kind, endpoint: String?, httpStatus: Int? = nil, retryAfter: Duration? = nil) {
        self.kind = kind
        self.endpoint = endpoint
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
    }

    public static func server(
        code: String, description: String?, uri: String?, endpoint: String?, httpStatus: Int, retryAfter: Duration? = nil
    ) -> OAuthError {
        OAuthError(
            .server(
                code: TerminalText.sanitize(code),
                description: description.map { TerminalText.sanitize($0) },
                uri: uri.map { TerminalText.sanitize($0) }),
            endpoint: endpoint, httpStatus: httpStatus, retryAfter: retryAfter)
    }

    public static func httpStatus(_ status: Int, summary: String, endpoint: String?, retryAfter: Duration? = nil) -> OAuthError {
        OAuthError(.httpStatus(summary: TerminalText.sanitize(summary)), endpoint: endpoint, httpStatus: status, retryAfter: retryAfter)
    }

    public static func transport(_ message: String, endpoint: String?) -> OAuthError {
        OAuthError(.transport(TerminalText.sanitize(message)), endpoint: endpoint)
    }

    public static func timeout(after limit: Duration, endpoint: String?) -> OAuthError {
        OAuthError(.timeout(limit), endpoint: endpoint)
    }

    public static func bodyTooLarge(limit: Int, endpoint: String?, httpStatus: Int?) -> OAuthError {
        OAuthError(.bodyTooLarge(limit: limit), endpoint: endpoint, httpStatus: httpStatus)
    }

    public static func redirectRefused(to location: String, endpoint: String?, httpStatus: Int) -> OAuthError {
        OAuthError(.redirectRefused(location: TerminalText.sanitize(location)), endpoint: endpoint, httpStatus: httpStatus)
    }

    public static func insecureTransport(endpoint: String?) -> OAuthError {
        OAuthError(.insecureTransport, endpoint: endpoint)
    }

    public static func invalidResponse(_ reason: String, endpoint: String?, httpStatus: Int? = nil) -> OAuthError {
        OAuthError(.invalidResponse(TerminalText.sanitize(reason)), endpoint: endpoint, httpStatus: httpStatus)
    }

    public static func discovery(_ reason: String, endpoint: String?) -> OAuthError {
        OAuthError(.discovery(TerminalText.sanitize(reason)), endpoint: endpoint)
    }

    public static func configuration(_ reason: String) -> OAuthError {
        OAuthError(.configuration(reason), endpoint: nil)
    }

    /// The same error with every occurrence of the given values (a client secret, a token)
    /// masked: a server that echoes what it was sent must not put it on the screen.
    public func redacting(_ values: [String]) -> OAuthError {
        let values = values.filter { $0.count >= 4 }
        guard !values.isEmpty else { return self }
        func scrub(_ text: String) -> String {
            values.reduce(text) { $0.replacingOccurrences(of: $1, with: Redaction.mask($1)) }
        }
        let scrubbed: Kind
        switch kind {
        case .server(let code, let description, let uri):
            scrubbed = .server(code: scrub(code), description: description.map(scrub), uri: uri.map(scrub))
        case .httpStatus(let summary): scrubbed = .httpStatus(summary: scrub(summary))
        case .transport(let message): scrubbed = .transport(scrub(message))
        case .invalidResponse(let reason): scrubbed = .invalidResponse(scrub(reason))
        case .discovery(let reason): scrubbed = .discovery(scrub(reason))
        case .redirectRefused(let location): scrubbed = .redirectRefused(location: scrub(location))
        default: return self
        }
        return OAuthError(scrubbed, endpoint: endpoint, httpStatus: httpStatus, retryAfter: retryAfter)
    }

    /// A short machine-readable code: the RFC 6749 `error` for server errors,
    /// otherwise one of `http_error`, `transport_error`, `timeout`, `body_too_large`,
    /// `redirect_refused`, `insecure_transport`, `invalid_response`, `discovery_failed`,
    /// `configuration_error`.
    public var code: String {
        switch kind {
        case .server(let code, _, _): return code
        case .httpStatus: return "http_error"
        case .transport: return "transport_error"
        case .timeout: return "timeout"
        case .bodyTooLarge: return "body_too_large"
        case .redirectRefused: return "redirect_refused"
        case .insecureTransport: return "insecure_transport"
        case .invalidResponse: return "invalid_response"
        case .discovery: return "discovery_failed"
        case .configuration: return "configuration_error"
        }
    }

    /// What happened, in words, without the endpoint.
    public var reason: String {
        switch kind {
        case .server(let code, let description, let uri):
            var text = code
            if let description, !description.isEmpty { text += ": \(description)" }
            if let uri, !uri.isEmpty { text += " (see \(uri))" }
            return text
        case .httpStatus(let summary): return summary
        case .transport(let message): return message
        case .timeout(let limit): return "no answer within \(limit.formattedSeconds)"
        case .bodyTooLarge(let limit): return "response body larger than \(limit / 1024) KiB; refused"
        case .redirectRefused(let location):
            return "redirect to \(location) not followed (credentials are never sent to a redirect target)"
        case .insecureTransport:
            return "plain http:// is only allowed to loopback hosts; set allow-insecure-http: true to permit it"
        case .invalidResponse(let reason): return reason
        case .discovery(let reason): return reason
        case .configuration(let reason): return reason
        }
    }

    /// The RFC 6749 `error_description`, when the server sent one.
    public var serverDescription: String? {
        if case .server(_, let description, _) = kind { return description }
        return nil
    }

    /// Credentials the server rejected outright: retrying cannot help until someone acts,
    /// so automatic retries stop until a manual refresh.
    public var needsOperator: Bool {
        code == "invalid_client" || code == "unauthorized_client"
    }

    public var description: String {
        var text = reason
        if let httpStatus, !reason.contains("HTTP \(httpStatus)") { text = "HTTP \(httpStatus) \(text)" }
        if let endpoint { text += " at \(endpoint)" }
        return text
    }
}
