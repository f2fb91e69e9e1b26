import Foundation

/// One check a diagnosis may rest on, as it stands for the token held now: run, with what it
/// found, or not run, with why. Derived from the snapshot, so a diagnosis can cite only what
/// was gathered.
public struct DiagnosticCheck: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case tokenEndpoint = "token endpoint"
        case signature = "local check"
        case keySet = "key set"
        case introspection
        case api = "API"
    }

    public enum Outcome: Sendable, Equatable {
        /// The check ran on the held token (or, for the token endpoint, on the last request);
        /// what it found, in a line.
        case ran(String)
        /// It cannot run with this configuration or this kind of token (no `resource-uri`, no
        /// introspection endpoint, an opaque token): nothing is missing.
        case notConfigured(String)
        /// It could run but has not for the token held now (not called yet, a key set refetch
        /// waiting for its floor): a verdict that rests on it is not complete.
        case notYet(String)
    }

    public var kind: Kind
    public var outcome: Outcome

    public init(_ kind: Kind, _ outcome: Outcome) {
        self.kind = kind
        self.outcome = outcome
    }

    /// What it found, when it ran.
    public var finding: String? {
        if case .ran(let finding) = outcome { return finding }
        return nil
    }

    /// `introspection: not configured (no introspection endpoint)`.
    public var line: String {
        switch outcome {
        case .ran(let finding): "\(kind.rawValue): \(finding)"
        case .notConfigured(let why): "\(kind.rawValue): not checked, \(why)"
        case .notYet(let why): "\(kind.rawValue): not checked yet, \(why)"
        }
    }
}

extension ClientSnapshot {
    /// How far a clock may be off before tokentop calls it skewed: the verification leeway.
    public static let clockLeeway: TimeInterval = 60

    /// The readings of clocks that are off by more than the leeway, worst first.
    public var skewedClocks: [ClockReading] {
        clockReadings.filter { $0.exceeds(Self.clockLeeway) && !isSuperseded($0) }.sorted { abs($0.offset) > abs($1.offset) }
    }

    /// True for a token's `iat` reading once a `Date` header from the same server was read
    /// after it: the token keeps its `iat` for its whole life, and the server's clock may have
    /// been set right since (seen in the chaos runs, seed 328733941: a clock fault cleared, an
    /// hour-long token issued during it kept every client "clock skew" until it expired).
    func isSuperseded(_ reading: ClockReading) -> Bool {
        guard reading.source == .issuedAt else { return false }
        return clockReadings.contains { later in
            later.source == .dateHeader && later.at > reading.at
                && (reading.server == later.server || reading.server.hasPrefix(later.server + "/"))
        }
    }

    /// The `kid` of the held token when an earlier fetch of the key set held it and a later one
    /// does not: rotated away. A key newer than the copy at hand is not "retired".
    public var retiredSigningKey: String? {
        // Only a key the set held and then dropped is retired: with no removal, no key is, and
        // the token's header need not be read (this runs for every client on every frame).
        guard let keySet, keySet.changes.contains(where: { $0.kind == .removed }), let kid = token?.decoded.keyID,
            keySet.standing(of: kid) == .retired
        else { return nil }
        return kid
    }

    /// The `kid` of the held token when it is not in a key set fetched after it arrived, by
    /// the local verification: a key rotation, whether or not the key was ever seen here.
    public var unpublishedSigningKey: String? {
        guard let token, token.verdict.failure == .keyNotPublished else { return retiredSigningKey }
        return token.decoded.keyID ?? retiredSigningKey
    }

    /// The API's last answer when it was obtained with the token held now (an answer whose
    /// token is not known is taken as about the held one, as `isStale` takes it).
    public var currentResponse: ResourceResponse? {
        guard let response = lastResponse, let token, response.tokenSerial.map({ $0 == token.serial }) ?? true else { return nil }
        return response
    }

    /// The introspection answer about the token held now.
    public var currentIntrospection: IntrospectionResult? {
        guard let introspection, let token, introspection.checkedAt >= token.issuedAt else { return nil }
        return introspection
    }

    /// Every check, run or not, for the token held now.
    public func diagnosticChecks(at now: Date) -> [DiagnosticCheck] {
        DiagnosticCheck.Kind.allCases.map { DiagnosticCheck($0, outcome(of: $0, at: now)) }
    }

    private func outcome(of kind: DiagnosticCheck.Kind, at now: Date) -> DiagnosticCheck.Outcome {
        switch kind {
        case .tokenEndpoint:
            if let lastError { return .ran("token request failed: \(lastError.description)") }
            guard let token else { return .notYet(isFetching ? "a token request is under way" : "no token requested yet") }
            return .ran("token issued " + TimeText.relative(token.issuedAt, now: now))
        case .signature:
            guard let token else { return .notYet("no token held") }
            if token.decoded.format == .opaque { return .notConfigured("an opaque token can only be introspected") }
            switch token.verdict.status {
            case .verified, .failed: return .ran("\(token.verdict.status.rawValue): \(token.verdict.reason)")
            case .notChecked: return .notConfigured(token.verdict.reason)
            case .checking, .unverified: return .notYet(token.verdict.reason(at: now))
            }
        case .keySet:
            guard let token else { return .notYet("no token held") }
            guard token.decoded.format == .jwt else { return .notConfigured("an opaque token names no key") }
            guard let keySet, let fetchedAt = keySet.fetchedAt else {
                if token.verdict.status == .notChecked { return .notConfigured("none configured or discovered") }
                return .notYet(keySet?.lastError.map { "not fetched: \($0)" } ?? "not fetched yet")
            }
            let published = keySet.keys.compactMap(\.kid).map { "\"\($0)\"" }.joined(separator: ", ")
            var finding =
                "\(keySet.source) fetched " + TimeText.relative(fetchedAt, now: now)
                + ", publishes " + (published.isEmpty ? "no named key" : published)
            if let kid = token.decoded.keyID {
                switch keySet.standing(of: kid) {
                case .published: finding += "; the token's kid \"\(kid)\" is published"
                case .retired: finding += "; the token's kid \"\(kid)\" left the set"
                case .unseen: finding += "; the token's kid \"\(kid)\" is not in it"
                }
            }
            return .ran(finding)
        case .introspection:
            guard token != nil else { return .notYet("no token held") }
            if let introspection = currentIntrospection {
                return .ran("active \(introspection.active) at \(TimeText.dateTime(introspection.checkedAt)) UTC")
            }
            if let introspectionError {
                if introspectionError.kind == .configuration { return .notConfigured("no introspection endpoint") }
                return .ran("failed: \(introspectionError.description)")
            }
            return .notYet("the authorization server was not asked about this token")
        case .api:
            guard resourceURI != nil else { return .notConfigured("no resource-uri") }
            guard token != nil else { return .notYet("no token held") }
            guard let response = currentResponse else {
                return .notYet(lastResponse == nil ? "not called yet" : "not called with the token held now")
            }
            return .ran(Self.describe(response))
        }
    }

    /// `401 invalid_token (the token's audience is not api://orders)`, or why no answer came.
    private static func describe(_ response: ResourceResponse) -> String {
        if let failure = response.failure { return "no answer: \(failure.reason)" }
        var text = response.status.map(String.init) ?? "-"
        if let challenge = response.challengeError, let error = challenge.error {
            text += " \(error.rawValue)" + (challenge.errorDescription.map { " (\($0))" } ?? "")
            if !challenge.scope.isEmpty { text += " scope=\"\(challenge.scope.joined(separator: " "))\"" }
        }
        return text
    }

    /// Why the token is, or will be, rejected, from the checks that ran (`diagnosticChecks`):
    /// the local verdict, the key set, introspection, the API's answer to the token held now,
    /// the token endpoint's last error and the clocks. The most likely cause first; empty when
    /// nothing points anywhere. A cause is named only from evidence that was gathered.
    public func diagnoses(at now: Date) -> [Diagnosis] {
        let checks = Dictionary(uniqueKeysWithValues: diagnosticChecks(at: now).map { ($0.kind, $0) })
        func evidence(_ kinds: DiagnosticCheck.Kind...) -> [String] {
            kinds.compactMap { checks[$0]?.finding == nil ? nil : checks[$0]?.line }
        }
        var found: [Diagnosis] = []
        let token = self.token
        let verdict = token?.verdict
        let localTimeFailure = verdict?.failure == .timeClaims
        let expiredOnArrival = lastError?.reason.contains("expired on arrival") == true
        if let worst = skewedClocks.first {
            var lines = skewedClocks.map(\.summary)
            if localTimeFailure { lines += evidence(.signature) }
            if expiredOnArrival { lines += evidence(.tokenEndpoint) }
            found.append(
                Diagnosis(
                    cause: .clockSkew,
                    summary: localTimeFailure || expiredOnArrival
                        ? "clock skew makes a fresh token look \(worst.offset > 0 ? "not yet valid" : "already expired"): \(worst.summary)"
                        : "clock skew beyond the \(Int(Self.clockLeeway))s leeway: \(worst.summary)",
                    evidence: lines))
        }
        if let requirement = lastError?.requirement {
            let wanted =
                switch requirement {
                case .dpop: "a DPoP proof"
                case .privateKeyJWT: "a client assertion (private_key_jwt)"
                case .clientCertificate: "a TLS client certificate"
                }
            found.append(
                Diagnosis(
                    cause: Diagnosis.Cause(requirement),
                    summary:
                        "the authorization server requires \(wanted) from this client, which its configuration does not send: "
                        + "retrying cannot help",
                    evidence: evidence(.tokenEndpoint)))
        } else if let rejection = lastError?.assertionRejection {
            found.append(
                Diagnosis(
                    cause: rejection.cause, summary: rejection.summary, evidence: evidence(.tokenEndpoint)))
        } else if let error = credentialsRejection {
            found.append(
                Diagnosis(
                    cause: .credentialsRejected,
                    summary: "the authorization server does not accept this client's credentials: the secret or key is wrong "
                        + "or was rotated, or the client is gone",
                    evidence: evidence(error.where)))
        }
        let apiNamesKey =
            currentResponse?.challengeError.map { $0.error == .invalidToken && Self.namesSigningKey($0.errorDescription) }
            ?? false
        if let kid = unpublishedSigningKey ?? (apiNamesKey ? token?.decoded.keyID : nil),
            checks[.keySet]?.finding != nil || verdict?.failure == .keyNotPublished || apiNamesKey
        {
            found.append(
                Diagnosis(
                    cause: .keyRotation,
                    summary: "signed by key \"\(kid)\", which the issuer does not publish (any more): APIs that verify "
                        + "locally refuse it once their copy of the key set is fresh; a new token is signed by a published key",
                    evidence: evidence(.signature, .keySet) + (apiNamesKey ? evidence(.api) : [])))
        }
        let locallyValid = verdict?.status == .verified
        let active = currentIntrospection?.active
        if let introspection = currentIntrospection, !introspection.active,
            locallyValid || token?.decoded.format == .opaque || verdict?.status == .notChecked
        {
            found.append(
                Diagnosis(
                    cause: .revoked,
                    summary: "the authorization server says the token is not active, though it "
                        + (locallyValid ? "is valid locally" : "has not expired") + ": it was revoked",
                    evidence: evidence(.signature, .introspection, .api)))
        }
        if let response = currentResponse, let challenge = response.challengeError, let error = challenge.error {
            let vouched = locallyValid || active == true
            if error == .insufficientScope {
                let held = Set(token?.scopes ?? [])
                let missing = missingScopes
                found.append(
                    Diagnosis(
                        cause: .missingScope,
                        summary: missing.isEmpty
                            ? "the API wants a scope the token does not carry"
                            : "the token lacks \(missing.joined(separator: " ")), which the API asks for",
                        evidence: evidence(.api) + [
                            "the token's scopes: \(held.isEmpty ? "none" : held.sorted().joined(separator: " "))"
                        ]))
            } else if error == .invalidToken, vouched, unpublishedSigningKey == nil, !apiNamesKey {
                var lines = evidence(.signature, .introspection, .api)
                if let aud = token?.decoded.claims["aud"] { lines.append("the token's aud: \(aud.compactText)") }
                if let iss = token?.decoded.issuer { lines.append("the token's iss: \(iss)") }
                let named = Self.namesAudienceOrIssuer(challenge.errorDescription)
                let valid =
                    "valid "
                    + [locallyValid ? "here" : nil, active == true ? "at the authorization server" : nil]
                    .compactMap { $0 }.joined(separator: " and ")
                found.append(
                    Diagnosis(
                        cause: named ? .audienceOrIssuerMismatch : .apiRefusesValidToken,
                        summary: named
                            ? "\(valid), refused by the API: it expects another audience or issuer"
                            : "\(valid), refused by the API without a reason: compare the audience and issuer it expects with the token's",
                        evidence: lines.map { TerminalText.sanitize($0) }))
            }
        }
        if let error = introspectionError, credentialsRejection?.error != error,
            error.httpStatus == 401 || error.httpStatus == 403 || error.oauthCode == .unauthorizedClient
                || error.oauthCode == .accessDenied
        {
            found.append(
                Diagnosis(
                    cause: .introspectionNotAllowed,
                    summary: "the authorization server does not let this client introspect tokens",
                    evidence: evidence(.introspection)))
        }
        return found
    }

    /// A 401 `invalid_client` from the token endpoint or the introspection endpoint: the
    /// client's own credentials were refused, wherever that happened.
    private var credentialsRejection: (where: DiagnosticCheck.Kind, error: OAuthError)? {
        if let lastError, lastError.oauthCode == .invalidClient { return (.tokenEndpoint, lastError) }
        if let introspectionError, introspectionError.oauthCode == .invalidClient { return (.introspection, introspectionError) }
        return nil
    }

    /// True when an API's refusal names the audience or the issuer (`aud`, `audience`, `iss`,
    /// `issuer` as words), as Spring Security, Okta and the demo do.
    static func namesAudienceOrIssuer(_ description: String?) -> Bool {
        guard let description, !namesSigningKey(description) else { return false }
        let words = description.lowercased().split { !$0.isLetter }
        return words.contains { ["aud", "audience", "iss", "issuer"].contains($0) }
    }

    /// True when an API's refusal is about the signing key (`key`, `kid`, `signature`, `signed`,
    /// `jwk`): "signed with a key the issuer does not publish" names the issuer, but it is the key.
    static func namesSigningKey(_ description: String?) -> Bool {
        guard let description else { return false }
        let words = description.lowercased().split { !$0.isLetter }
        return words.contains { ["key", "kid", "signature", "signed", "jwk", "jwks"].contains($0) }
    }

    /// The checks that did not run on the token held now (not configured, or not yet), which a
    /// diagnosis is listed with.
    public func checksNotRun(at now: Date) -> [DiagnosticCheck] {
        diagnosticChecks(at: now).filter { $0.finding == nil }
    }

    /// The diagnose action's summary: the causes found, or that the checks agree, naming every
    /// check that could not be made.
    public func diagnosisOutcome(at now: Date) -> String {
        let diagnoses = diagnoses(at: now)
        let checks = diagnosticChecks(at: now)
        let missing = checks.filter { if case .notYet = $0.outcome { true } else { false } }
        let notConfigured = checks.filter { if case .notConfigured = $0.outcome { true } else { false } }
        if !diagnoses.isEmpty {
            return "\(diagnoses.count == 1 ? "diagnosis" : "\(diagnoses.count) diagnoses"): "
                + diagnoses.map(\.cause.rawValue).joined(separator: ", ")
        }
        let ran = checks.filter { $0.finding != nil }.map(\.kind.rawValue)
        if !missing.isEmpty {
            return "no cause found, but not every check could be made: " + missing.map(\.line).joined(separator: "; ")
        }
        let skipped =
            notConfigured.isEmpty ? "" : " (not configured: " + notConfigured.map(\.kind.rawValue).joined(separator: ", ") + ")"
        return "\(ran.joined(separator: ", ")) agree: nothing to diagnose\(skipped)"
    }
}

extension AssertionRejection {
    /// The diagnosis that names it.
    var cause: Diagnosis.Cause {
        switch self {
        case .expired: return .assertionExpired
        case .audienceMismatch: return .assertionAudienceMismatch
        case .subjectRejected: return .assertionSubjectRejected
        }
    }

    /// One line: what is wrong and what to do.
    var summary: String {
        switch self {
        case .expired:
            return "the authorization server refused the client assertion as expired: whatever writes "
                + "client-assertion-file (or prints it for client-assertion-command) has stopped renewing it"
        case .audienceMismatch:
            return "the authorization server refused the client assertion's aud: the token must be issued for the "
                + "audience the federated credential names (Entra: api://AzureADTokenExchange)"
        case .subjectRejected:
            return "the authorization server knows no federated identity for the client assertion's sub (its issuer "
                + "and subject must match the federated credential exactly, case included)"
        }
    }
}
