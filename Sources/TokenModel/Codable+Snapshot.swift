import Foundation

// The two wire types decoded by hand. Every other part of the snapshot (`ClientSnapshot` and
// what it holds) has synthesized `Codable`, with its wire names in `CodingKeys` beside its fields
// and its numbers checked by the rules of `WireNumbers.swift`. These two go through their
// initializers instead: `SignatureVerdict`'s drops a failure or a recheck its status cannot have,
// which JSON from a hostile `serve` must not bypass; `OAuthError`'s kind travels as its code
// (`connection_refused`, the word the CLI prints), and a requirement it does not know is an error.

extension SignatureVerdict: Codable {
    private enum CodingKeys: String, CodingKey {
        case status, reason, failure
        case recheckAt = "recheck_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            try container.decode(Status.self, forKey: .status), try container.decode(String.self, forKey: .reason),
            failure: try container.decodeIfPresent(Failure.self, forKey: .failure),
            recheckAt: try container.dateIfPresent(.recheckAt))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(reason, forKey: .reason)
        try container.encodeIfPresent(failure, forKey: .failure)
        try container.encodeIfPresent(date: recheckAt, forKey: .recheckAt)
    }
}

extension OAuthError: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind, error, detail, description, uri, endpoint, hint
        case requirement = "requires"
        case httpStatus = "http_status"
        case retryAfter = "retry_after_ns"
    }

    /// The kinds other than `.server`, on the wire by their `code`.
    private static let kindsByCode: [(code: String, kind: Kind)] = [
        Kind.httpStatus, .connectionRefused, .dnsFailure, .tlsFailure, .connectionFailed, .timeout, .bodyTooLarge,
        .redirectRefused, .insecureTransport, .invalidResponse, .discovery, .configuration,
    ].map { (OAuthError($0, detail: "", endpoint: nil).code, $0) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kindName = try container.decode(String.self, forKey: .kind)
        let kind: Kind
        if kindName == "server" {
            kind = .server(OAuthErrorCode(rawValue: try container.decode(String.self, forKey: .error)))
        } else if let known = Self.kindsByCode.first(where: { $0.code == kindName }) {
            kind = known.kind
        } else {
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "unknown error kind \(TerminalText.sanitize(kindName))")
        }
        var error = OAuthError(
            kind, detail: try container.decode(String.self, forKey: .detail),
            endpoint: try container.decodeIfPresent(String.self, forKey: .endpoint),
            httpStatus: try container.integerIfPresent(.httpStatus, in: 0...999),
            retryAfter: try container.durationIfPresent(.retryAfter),
            serverDescription: try container.decodeIfPresent(String.self, forKey: .description),
            serverURI: try container.decodeIfPresent(String.self, forKey: .uri))
        if let hint = try container.decodeIfPresent(String.self, forKey: .hint) { error = error.hinting(hint) }
        if let requirement = try container.decodeIfPresent(String.self, forKey: .requirement) {
            guard let known = ClientRequirement(rawValue: requirement) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .requirement, in: container,
                    debugDescription: "unknown requirement \(TerminalText.sanitize(requirement))")
            }
            error = error.requiring(known)
        }
        self = error
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if case .server(let code) = kind {
            try container.encode("server", forKey: .kind)
            try container.encode(code.rawValue, forKey: .error)
        } else {
            try container.encode(code, forKey: .kind)
        }
        try container.encode(detail, forKey: .detail)
        try container.encodeIfPresent(serverDescription, forKey: .description)
        try container.encodeIfPresent(serverURI, forKey: .uri)
        try container.encodeIfPresent(endpoint, forKey: .endpoint)
        try container.encodeIfPresent(httpStatus, forKey: .httpStatus)
        try container.encodeIfPresent(duration: retryAfter, forKey: .retryAfter)
        try container.encodeIfPresent(hint, forKey: .hint)
        try container.encodeIfPresent(requirement?.rawValue, forKey: .requirement)
    }
}
