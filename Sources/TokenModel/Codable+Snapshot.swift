import Foundation

// How a client's snapshot travels between `tokentop serve` (`/api/v1/clients`) and a dashboard
// attached to it. The snapshot holds no token and no secret (`TokenSummary` has the masked form
// only), so neither does its wire form. Dates travel as Unix seconds and durations as whole
// nanoseconds; every number is checked on the way in, so hostile JSON (a string for a number,
// 1e300, a negative latency) is a `DecodingError`, never a trap.

extension RefreshMode: Codable {}
extension ActionRecord.Action: Codable {}
extension ClockReading.Source: Codable {}
extension KeySetChange.Kind: Codable {}
extension TokenBinding.Method: Codable {}

extension ClientSnapshot: Codable {
    private enum CodingKeys: String, CodingKey {
        case name, state, token, revoked, responses, history, actions
        case lastError = "last_error"
        case nextRetryAt = "next_retry_at"
        case retriesHalted = "retries_halted"
        case isFetching = "is_fetching"
        case introspection
        case lastActionError = "last_action_error"
        case pollingPaused = "polling_paused"
        case refreshMode = "refresh_mode"
        case configuredScopes = "configured_scopes"
        case resourceURI = "resource_uri"
        case pollInterval = "poll_interval_ns"
        case introspectionError = "introspection_error"
        case clockReadings = "clock_readings"
        case keySet = "key_set"
        case tokenEndpointBudget = "token_endpoint_budget"
        case credentials
        case credentialWarning = "credential_warning_ns"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            state: try container.decode(TokenState.self, forKey: .state),
            token: try container.decodeIfPresent(TokenSummary.self, forKey: .token),
            lastError: try container.decodeIfPresent(OAuthError.self, forKey: .lastError),
            nextRetryAt: try container.dateIfPresent(.nextRetryAt),
            retriesHalted: try container.decode(Bool.self, forKey: .retriesHalted),
            isFetching: try container.decode(Bool.self, forKey: .isFetching),
            introspection: try container.decodeIfPresent(IntrospectionResult.self, forKey: .introspection),
            lastActionError: try container.decodeIfPresent(OAuthError.self, forKey: .lastActionError),
            responses: try container.decode([ResourceResponse].self, forKey: .responses),
            history: try container.decode([FetchRecord].self, forKey: .history),
            pollingPaused: try container.decode(Bool.self, forKey: .pollingPaused),
            refreshMode: try container.decode(RefreshMode.self, forKey: .refreshMode),
            configuredScopes: try container.decode([String].self, forKey: .configuredScopes),
            resourceURI: try container.decodeIfPresent(String.self, forKey: .resourceURI),
            pollInterval: try container.duration(.pollInterval),
            revoked: try container.decode(Bool.self, forKey: .revoked),
            introspectionError: try container.decodeIfPresent(OAuthError.self, forKey: .introspectionError),
            actions: try container.decode([ActionRecord].self, forKey: .actions),
            clockReadings: try container.decode([ClockReading].self, forKey: .clockReadings),
            keySet: try container.decodeIfPresent(KeySetStatus.self, forKey: .keySet),
            // Absent from a `serve` older than credential countdowns.
            credentials: try container.decodeIfPresent([CredentialExpiry].self, forKey: .credentials) ?? [],
            credentialWarning: try container.durationIfPresent(.credentialWarning) ?? CredentialExpiry.standardWarning)
        tokenEndpointBudget = try container.decodeIfPresent(RateLimitBudget.self, forKey: .tokenEndpointBudget)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encodeIfPresent(token, forKey: .token)
        try container.encodeIfPresent(lastError, forKey: .lastError)
        try container.encodeIfPresent(date: nextRetryAt, forKey: .nextRetryAt)
        try container.encode(retriesHalted, forKey: .retriesHalted)
        try container.encode(isFetching, forKey: .isFetching)
        try container.encodeIfPresent(introspection, forKey: .introspection)
        try container.encodeIfPresent(lastActionError, forKey: .lastActionError)
        try container.encode(responses, forKey: .responses)
        try container.encode(history, forKey: .history)
        try container.encode(pollingPaused, forKey: .pollingPaused)
        try container.encode(refreshMode, forKey: .refreshMode)
        try container.encode(configuredScopes, forKey: .configuredScopes)
        try container.encodeIfPresent(resourceURI, forKey: .resourceURI)
        try container.encode(duration: pollInterval, forKey: .pollInterval)
        try container.encode(revoked, forKey: .revoked)
        try container.encodeIfPresent(introspectionError, forKey: .introspectionError)
        try container.encode(actions, forKey: .actions)
        try container.encode(clockReadings, forKey: .clockReadings)
        try container.encodeIfPresent(keySet, forKey: .keySet)
        try container.encodeIfPresent(tokenEndpointBudget, forKey: .tokenEndpointBudget)
        try container.encode(credentials, forKey: .credentials)
        try container.encode(duration: credentialWarning, forKey: .credentialWarning)
    }
}

extension RateLimitBudget: Codable {
    private enum CodingKeys: String, CodingKey {
        case issuer, endpoint, limit, remaining, style
        case window = "window_ns"
        case resetAt = "reset_at"
        case observedAt = "observed_at"
        case heaviestClient = "heaviest_client"
        case heaviestClientRequests = "heaviest_client_requests"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let limit = try container.integer(.limit, in: 1...Int(Int32.max))
        self.init(
            issuer: try container.decode(String.self, forKey: .issuer),
            endpoint: try container.decode(String.self, forKey: .endpoint),
            limit: limit,
            remaining: try container.integer(.remaining, in: 0...limit),
            resetAt: try container.dateIfPresent(.resetAt),
            window: try container.durationIfPresent(.window),
            observedAt: try container.date(.observedAt),
            style: try container.decode(Style.self, forKey: .style),
            heaviestClient: try container.decodeIfPresent(String.self, forKey: .heaviestClient),
            heaviestClientRequests: try container.integerIfPresent(.heaviestClientRequests, in: 0...Int(Int32.max)) ?? 0)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(issuer, forKey: .issuer)
        try container.encode(endpoint, forKey: .endpoint)
        try container.encode(limit, forKey: .limit)
        try container.encode(remaining, forKey: .remaining)
        try container.encodeIfPresent(date: resetAt, forKey: .resetAt)
        try container.encodeIfPresent(duration: window, forKey: .window)
        try container.encode(date: observedAt, forKey: .observedAt)
        try container.encode(style, forKey: .style)
        try container.encodeIfPresent(heaviestClient, forKey: .heaviestClient)
        try container.encode(heaviestClientRequests, forKey: .heaviestClientRequests)
    }
}

extension CredentialExpiry: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind, subject, details
        case expiresAt = "expires_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            kind: try container.decode(Kind.self, forKey: .kind),
            subject: try container.decode(String.self, forKey: .subject),
            expiresAt: try container.date(.expiresAt),
            details: try container.decodeIfPresent([String: String].self, forKey: .details) ?? [:])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(subject, forKey: .subject)
        try container.encode(date: expiresAt, forKey: .expiresAt)
        if !details.isEmpty { try container.encode(details, forKey: .details) }
    }
}

extension TokenSummary: Codable {
    private enum CodingKeys: String, CodingKey {
        case masked, scopes, verdict, serial, binding
        case tokenType = "token_type"
        case format, header, claims
        case issuedAt = "issued_at"
        case expiresAt = "expires_at"
        case refreshAt = "refresh_at"
        case extraFields = "extra_fields"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            masked: try container.decode(String.self, forKey: .masked),
            tokenType: try container.decode(String.self, forKey: .tokenType),
            decoded: DecodedToken(
                format: try container.decode(TokenFormat.self, forKey: .format),
                header: try container.decode([String: JSONValue].self, forKey: .header),
                claims: try container.decode([String: JSONValue].self, forKey: .claims)),
            issuedAt: try container.date(.issuedAt),
            expiresAt: try container.dateIfPresent(.expiresAt),
            refreshAt: try container.dateIfPresent(.refreshAt),
            scopes: try container.decode([String].self, forKey: .scopes),
            verdict: try container.decode(SignatureVerdict.self, forKey: .verdict),
            extraFields: try container.decode([String: JSONValue].self, forKey: .extraFields),
            serial: try container.integer(.serial, in: 0...Int(Int32.max)),
            binding: try container.decode(TokenBinding.self, forKey: .binding))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(masked, forKey: .masked)
        try container.encode(tokenType, forKey: .tokenType)
        try container.encode(decoded.format, forKey: .format)
        try container.encode(decoded.header, forKey: .header)
        try container.encode(decoded.claims, forKey: .claims)
        try container.encode(date: issuedAt, forKey: .issuedAt)
        try container.encodeIfPresent(date: expiresAt, forKey: .expiresAt)
        try container.encodeIfPresent(date: refreshAt, forKey: .refreshAt)
        try container.encode(scopes, forKey: .scopes)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(extraFields, forKey: .extraFields)
        try container.encode(serial, forKey: .serial)
        try container.encode(binding, forKey: .binding)
    }
}

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

extension TokenBinding: Codable {
    private enum CodingKeys: String, CodingKey {
        case method
        case localKeyThumbprint = "local_key_thumbprint"
        case localCertificateThumbprint = "local_certificate_thumbprint"
        case jkt = "cnf_jkt"
        case x5tS256 = "cnf_x5t#S256"
        case dpopIgnored = "dpop_ignored"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            method: try container.decode(Method.self, forKey: .method),
            localKeyThumbprint: try container.decodeIfPresent(String.self, forKey: .localKeyThumbprint),
            localCertificateThumbprint: try container.decodeIfPresent(String.self, forKey: .localCertificateThumbprint),
            confirmation: Confirmation(
                jkt: try container.decodeIfPresent(String.self, forKey: .jkt),
                x5tS256: try container.decodeIfPresent(String.self, forKey: .x5tS256)),
            dpopIgnored: try container.decode(Bool.self, forKey: .dpopIgnored))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encodeIfPresent(localKeyThumbprint, forKey: .localKeyThumbprint)
        try container.encodeIfPresent(localCertificateThumbprint, forKey: .localCertificateThumbprint)
        try container.encodeIfPresent(confirmation.jkt, forKey: .jkt)
        try container.encodeIfPresent(confirmation.x5tS256, forKey: .x5tS256)
        try container.encode(dpopIgnored, forKey: .dpopIgnored)
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

extension IntrospectionResult: Codable {
    private enum CodingKeys: String, CodingKey {
        case active, fields
        case checkedAt = "checked_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            active: try container.decode(Bool.self, forKey: .active),
            fields: try container.decode([String: JSONValue].self, forKey: .fields),
            checkedAt: try container.date(.checkedAt))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(active, forKey: .active)
        try container.encode(fields, forKey: .fields)
        try container.encode(date: checkedAt, forKey: .checkedAt)
    }
}

extension ResourceResponse: Codable {
    private enum CodingKeys: String, CodingKey {
        case status, at, failure
        case latency = "latency_ns"
        case wwwAuthenticate = "www_authenticate"
        case bodyExcerpt = "body_excerpt"
        case wasRetry = "was_retry"
        case tokenSerial = "token_serial"
        case nonceRetried = "nonce_retried"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            status: try container.integerIfPresent(.status, in: 0...999),
            latency: try container.duration(.latency),
            at: try container.date(.at),
            wwwAuthenticate: try container.decodeIfPresent(String.self, forKey: .wwwAuthenticate),
            bodyExcerpt: try container.decode(String.self, forKey: .bodyExcerpt),
            failure: try container.decodeIfPresent(OAuthError.self, forKey: .failure),
            wasRetry: try container.decode(Bool.self, forKey: .wasRetry),
            tokenSerial: try container.integerIfPresent(.tokenSerial, in: 0...Int(Int32.max)),
            nonceRetried: try container.decode(Bool.self, forKey: .nonceRetried))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encode(duration: latency, forKey: .latency)
        try container.encode(date: at, forKey: .at)
        try container.encodeIfPresent(wwwAuthenticate, forKey: .wwwAuthenticate)
        try container.encode(bodyExcerpt, forKey: .bodyExcerpt)
        try container.encodeIfPresent(failure, forKey: .failure)
        try container.encode(wasRetry, forKey: .wasRetry)
        try container.encodeIfPresent(tokenSerial, forKey: .tokenSerial)
        try container.encode(nonceRetried, forKey: .nonceRetried)
    }
}

extension FetchRecord: Codable {
    private enum CodingKeys: String, CodingKey {
        case reason, error
        case startedAt = "started_at"
        case latency = "latency_ns"
        case claimChanges = "claim_changes"
        case expiresAt = "expires_at"
        case nonceRetried = "nonce_retried"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            reason: try container.decode(FetchReason.self, forKey: .reason),
            startedAt: try container.date(.startedAt),
            latency: try container.duration(.latency),
            error: try container.decodeIfPresent(OAuthError.self, forKey: .error),
            claimChanges: try container.decode([String].self, forKey: .claimChanges),
            expiresAt: try container.dateIfPresent(.expiresAt),
            nonceRetried: try container.decode(Bool.self, forKey: .nonceRetried))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(reason, forKey: .reason)
        try container.encode(date: startedAt, forKey: .startedAt)
        try container.encode(duration: latency, forKey: .latency)
        try container.encodeIfPresent(error, forKey: .error)
        try container.encode(claimChanges, forKey: .claimChanges)
        try container.encodeIfPresent(date: expiresAt, forKey: .expiresAt)
        try container.encode(nonceRetried, forKey: .nonceRetried)
    }
}

extension ActionRecord: Codable {
    private enum CodingKeys: String, CodingKey { case action, client, at, succeeded, outcome }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            action: try container.decode(Action.self, forKey: .action),
            client: try container.decode(String.self, forKey: .client),
            at: try container.date(.at),
            succeeded: try container.decode(Bool.self, forKey: .succeeded),
            outcome: try container.decode(String.self, forKey: .outcome))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action, forKey: .action)
        try container.encode(client, forKey: .client)
        try container.encode(date: at, forKey: .at)
        try container.encode(succeeded, forKey: .succeeded)
        try container.encode(outcome, forKey: .outcome)
    }
}

extension ClockReading: Codable {
    private enum CodingKeys: String, CodingKey {
        case server, source, at
        case offset = "offset_seconds"
        case uncertainty = "uncertainty_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            server: try container.decode(String.self, forKey: .server),
            offset: try container.finite(.offset, within: -Self.largestOffset...Self.largestOffset),
            uncertainty: try container.finite(.uncertainty, within: 0...Self.largestOffset),
            source: try container.decode(Source.self, forKey: .source),
            at: try container.date(.at))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(server, forKey: .server)
        try container.encode(offset, forKey: .offset)
        try container.encode(uncertainty, forKey: .uncertainty)
        try container.encode(source, forKey: .source)
        try container.encode(date: at, forKey: .at)
    }
}
