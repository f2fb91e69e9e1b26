import Foundation

/// An RFC 6749 §5.2 / RFC 6750 §3.1 / RFC 7009 / RFC 9449 `error` code, as the server sent it.
/// Standard codes are named members; any other string is kept as sent (Entra's `AADSTS…`).
public struct OAuthErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let invalidRequest = OAuthErrorCode(rawValue: "invalid_request")
    public static let invalidClient = OAuthErrorCode(rawValue: "invalid_client")
    public static let invalidGrant = OAuthErrorCode(rawValue: "invalid_grant")
    public static let unauthorizedClient = OAuthErrorCode(rawValue: "unauthorized_client")
    public static let unsupportedGrantType = OAuthErrorCode(rawValue: "unsupported_grant_type")
    public static let invalidScope = OAuthErrorCode(rawValue: "invalid_scope")
    public static let accessDenied = OAuthErrorCode(rawValue: "access_denied")
    public static let serverError = OAuthErrorCode(rawValue: "server_error")
    public static let temporarilyUnavailable = OAuthErrorCode(rawValue: "temporarily_unavailable")
    public static let invalidToken = OAuthErrorCode(rawValue: "invalid_token")
    public static let insufficientScope = OAuthErrorCode(rawValue: "insufficient_scope")
    public static let unsupportedTokenType = OAuthErrorCode(rawValue: "unsupported_token_type")
    public static let invalidDPoPProof = OAuthErrorCode(rawValue: "invalid_dpop_proof")
    public static let useDPoPNonce = OAuthErrorCode(rawValue: "use_dpop_nonce")

    /// The codes the RFCs define; anything else is reported as `other` where a bounded set is
    /// needed (metric labels).
    public static let standard: [OAuthErrorCode] = [
        .invalidRequest, .invalidClient, .invalidGrant, .unauthorizedClient, .unsupportedGrantType, .invalidScope,
        .accessDenied, .serverError, .temporarilyUnavailable, .invalidToken, .insufficientScope,
        .unsupportedTokenType, .invalidDPoPProof, .useDPoPNonce,
    ]

    public var isStandard: Bool { Self.standard.contains(self) }

    public var description: String { rawValue }
}

/// Everything that can go wrong between tokentop and an authorization or resource server.
/// Each error names what failed and where; none carries a secret or a whole token.
///
/// The failure class is a type (`kind`), so callers switch on it rather than compare text.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What class of failure this is.
    public enum Kind: Sendable, Equatable {
        /// An RFC 6749 §5.2 error response (any `error` code, standard or not).
        case server(OAuthErrorCode)
        /// A non-2xx answer without an RFC 6749 error body.
        case httpStatus
        /// Nothing listens at the address (the connection was refused).
        case connectionRefused
        /// The host name did not resolve.
        case dnsFailure
        /// The TLS handshake failed (certificate, trust, protocol).
        case tlsFailure
        /// Any other network failure (reset, closed before answering, unreachable).
        case connectionFailed
        /// No complete answer within the client's timeout.
        case timeout
        case bodyTooLarge
        case redirectRefused
        case insecureTransport
        /// An answer came, but not one a server should give (bad JSON, no token, expired token).
        case invalidResponse
        case discovery
        /// The client cannot even be tried: an unreadable secret or key, a missing endpoint.
        case configuration
    }

    public let kind: Kind
    let detail: String
    /// The RFC 6749 `error_description` and `error_uri`, for server errors.
    public let serverDescription: String?
    let serverURI: String?
    /// The endpoint that failed, without query or credentials.
    public let endpoint: String?
    /// The HTTP status, when an answer came.
    public let httpStatus: Int?
    /// `Retry-After` from the answer, when present.
    public let retryAfter: Duration?
    /// What the operator can do about it, when tokentop knows (`set client-assertion-audience …`).
    public private(set) var hint: String?
    /// What the server asked of this client that its configuration does not do (DPoP, a
    /// client assertion, a certificate): a configuration error, not a transient one.
    public private(set) var requirement: ClientRequirement?

    // Internal rather than private, with `detail` and `serverURI`: Codable+Snapshot.swift
    // rebuilds an error exactly from its wire form.
    init(
        _ kind: Kind, detail: String, endpoint: String?, httpStatus: Int? = nil, retryAfter: Duration? = nil,
        serverDescription: String? = nil, serverURI: String? = nil
    ) {
        self.kind = kind
        self.detail = detail
        self.endpoint = endpoint
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
        self.serverDescription = serverDescription
        self.serverURI = serverURI
    }

    public static func server(
        code: String, description: String?, uri: String?, endpoint: String?, httpStatus: Int, retryAfter: Duration? = nil
    ) -> OAuthError {
        OAuthError(
            .server(OAuthErrorCode(rawValue: TerminalText.sanitize(code))), detail: "", endpoint: endpoint,
            httpStatus: httpStatus, retryAfter: retryAfter, serverDescription: description.map { TerminalText.sanitize($0) },
            serverURI: uri.map { TerminalText.sanitize($0) })
    }

    public static func httpStatus(_ status: Int, summary: String, endpoint: String?, retryAfter: Duration? = nil) -> OAuthError {
        OAuthError(
            .httpStatus, detail: TerminalText.sanitize(summary), endpoint: endpoint, httpStatus: status, retryAfter: retryAfter)
    }

    /// A network failure of the given class, with what the system said.
    public static func network(_ kind: Kind, _ message: String, endpoint: String?) -> OAuthError {
        OAuthError(kind, detail: TerminalText.sanitize(message), endpoint: endpoint)
    }

    public static func timeout(after limit: Duration, endpoint: String?) -> OAuthError {
        OAuthError(.timeout, detail: "no answer within \(limit.formattedSeconds)", endpoint: endpoint)
    }

    public static func bodyTooLarge(limit: Int, endpoint: String?, httpStatus: Int?) -> OAuthError {
        OAuthError(
            .bodyTooLarge, detail: "response body larger than \(limit / 1024) KiB; refused", endpoint: endpoint,
            httpStatus: httpStatus)
    }

    public static func redirectRefused(to location: String, endpoint: String?, httpStatus: Int) -> OAuthError {
        OAuthError(
            .redirectRefused,
            detail:
                "redirect to \(TerminalText.sanitize(location)) not followed (credentials are never sent to a redirect target)",
            endpoint: endpoint, httpStatus: httpStatus)
    }

    public static func insecureTransport(endpoint: String?) -> OAuthError {
        OAuthError(
            .insecureTransport,
            detail: "plain http:// is only allowed to loopback hosts; set allow-insecure-http: true to permit it",
            endpoint: endpoint)
    }

    public static func invalidResponse(_ reason: String, endpoint: String?, httpStatus: Int? = nil) -> OAuthError {
        OAuthError(.invalidResponse, detail: TerminalText.sanitize(reason), endpoint: endpoint, httpStatus: httpStatus)
    }

    public static func discovery(_ reason: String, endpoint: String?) -> OAuthError {
        OAuthError(.discovery, detail: TerminalText.sanitize(reason), endpoint: endpoint)
    }

    public static func configuration(_ reason: String) -> OAuthError {
        OAuthError(.configuration, detail: reason, endpoint: nil)
    }

    /// The same error with every occurrence of the given values (a client secret, a token)
    /// masked: a server that echoes what it was sent must not put it on the screen.
    public func redacting(_ values: [String]) -> OAuthError {
        // Every text scrubbed here is sanitised, so a value with a control character cannot be in
        // it; and Foundation's replacingOccurrences traps on a NUL in what it looks for.
        let values = values.filter {
            $0.count >= 4 && !$0.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) }
        }
        guard !values.isEmpty else { return self }
        func scrub(_ text: String) -> String {
            values.reduce(text) { $0.replacingOccurrences(of: $1, with: Redaction.mask($1)) }
        }
        var kind = self.kind
        if case .server(let code) = kind { kind = .server(OAuthErrorCode(rawValue: scrub(code.rawValue))) }
        var scrubbed = OAuthError(
            kind, detail: scrub(detail), endpoint: endpoint, httpStatus: httpStatus, retryAfter: retryAfter,
            serverDescription: serverDescription.map(scrub), serverURI: serverURI.map(scrub))
        scrubbed.hint = hint.map(scrub)
        scrubbed.requirement = requirement
        return scrubbed
    }

    /// The same error with advice for the operator added to its description.
    public func hinting(_ hint: String) -> OAuthError {
        var copy = self
        copy.hint = hint
        return copy
    }

    /// The same error, marked as asking for what this client's configuration does not do.
    public func requiring(_ requirement: ClientRequirement?) -> OAuthError {
        var copy = self
        copy.requirement = requirement
        return copy
    }

    /// The server's `error` code, for server errors.
    public var oauthCode: OAuthErrorCode? {
        if case .server(let code) = kind { return code }
        return nil
    }

    /// A short machine-readable code, for `check --json` and logs: the RFC 6749 `error` for
    /// server errors, otherwise one of `http_error`, `connection_refused`, `dns_failure`,
    /// `tls_failure`, `connection_failed`, `timeout`, `body_too_large`, `redirect_refused`,
    /// `insecure_transport`, `invalid_response`, `discovery_failed`, `configuration_error`.
    public var code: String {
        switch kind {
        case .server(let code): return code.rawValue
        case .httpStatus: return "http_error"
        case .connectionRefused: return "connection_refused"
        case .dnsFailure: return "dns_failure"
        case .tlsFailure: return "tls_failure"
        case .connectionFailed: return "connection_failed"
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
        guard case .server(let code) = kind else { return detail }
        var text = code.rawValue
        if let serverDescription, !serverDescription.isEmpty { text += ": \(serverDescription)" }
        if let serverURI, !serverURI.isEmpty { text += " (see \(serverURI))" }
        return text
    }

    /// True when no answer came at all: the server is down, unreachable or silent.
    public var isUnreachable: Bool {
        switch kind {
        case .connectionRefused, .dnsFailure, .tlsFailure, .connectionFailed, .timeout: return true
        default: return false
        }
    }

    /// True for a 429: the server's rate limit, not a fault; the retry waits for its reset.
    public var isRateLimited: Bool { httpStatus == 429 }

    /// Credentials the server rejected outright, or a way of authenticating it requires and the
    /// client does not use: retrying cannot help until someone acts, so automatic retries stop
    /// until a manual refresh. An expired client assertion is the exception: the file or command
    /// that makes it may have a new one by the next try (a Kubernetes token rotates on its own).
    public var needsOperator: Bool {
        ((oauthCode == .invalidClient || oauthCode == .unauthorizedClient) && assertionRejection != .expired)
            || requirement != nil
    }

    public var description: String {
        var text = reason
        if let httpStatus, !reason.contains("HTTP \(httpStatus)") { text = "HTTP \(httpStatus) \(text)" }
        if let endpoint { text += " at \(endpoint)" }
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// A way of presenting itself that a server requires of a client and the client's configuration
/// does not use, as the server's refusal says (Okta's API Services apps require DPoP by default
/// since 2024; its `okta.*` scopes require `private_key_jwt`).
public enum ClientRequirement: String, Sendable, Equatable, CaseIterable {
    /// A DPoP proof with every token request (RFC 9449).
    case dpop
    /// A signed client assertion instead of a secret (RFC 7523).
    case privateKeyJWT = "private_key_jwt"
    /// A TLS client certificate (RFC 8705).
    case clientCertificate = "client_certificate"

    /// What a refusal from the token endpoint asks for that the client did not send, if it says
    /// so: an `invalid_dpop_proof` or `use_dpop_nonce` (or a description naming a missing DPoP
    /// proof) to a client that sent no proof; a description naming `private_key_jwt` or a client
    /// assertion to a client that sent none; one naming a client certificate or `tls_client_auth`
    /// to a client that presented none. Nil for any other refusal.
    public static func named(
        by error: OAuthError, sentProof: Bool, sentAssertion: Bool, presentedCertificate: Bool
    ) -> ClientRequirement? {
        guard case .server(let code) = error.kind else { return nil }
        let words = (error.serverDescription ?? "").lowercased()
        if !sentProof,
            code == .invalidDPoPProof || code == .useDPoPNonce || (words.contains("dpop") && words.contains("missing"))
                || words.contains("dpop proof is required") || words.contains("requires dpop")
        {
            return .dpop
        }
        if !sentAssertion, words.contains("private_key_jwt") || words.contains("client_assertion is required") {
            return .privateKeyJWT
        }
        if !presentedCertificate,
            words.contains("tls_client_auth") || words.contains("client certificate")
                || words.contains("self_signed_tls_client_auth")
        {
            return .clientCertificate
        }
        return nil
    }
}
