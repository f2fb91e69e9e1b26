import Foundation

extension ClientSnapshot {
    /// How far a clock may be off before tokentop calls it skewed: the verification leeway.
    public static let clockLeeway: TimeInterval = 60

    /// The readings of clocks that are off by more than the leeway, worst first.
    public var skewedClocks: [ClockReading] {
        clockReadings.filter { $0.exceeds(Self.clockLeeway) }.sorted { abs($0.offset) > abs($1.offset) }
    }

    /// The `kid` of the held token when the issuer no longer publishes it (the key set is known).
    public var retiredSigningKey: String? {
        guard let kid = token?.decoded.keyID, let keySet, keySet.fetchedAt != nil, !keySet.keys.isEmpty,
            !keySet.publishes(kid)
        else { return nil }
        return kid
    }

    /// Why the token is, or will be, rejected, from the evidence at hand: the local verdict, the
    /// authorization server's introspection, the API's last answer, the clocks and the key set.
    /// The most likely cause first; empty when nothing points anywhere.
    public func diagnoses(at now: Date) -> [Diagnosis] {
        var found: [Diagnosis] = []
        let token = self.token
        let localTimeFailure = token.map {
            $0.verdict.status == .failed
                && ["not valid for another", "in the future", "expired"].contains(where: $0.verdict.reason.contains)
        } ?? false
        if let worst = skewedClocks.first {
            var evidence = skewedClocks.map(\.summary)
            if localTimeFailure, let verdict = token?.verdict { evidence.append("local check: \(verdict.reason)") }
            if let error = lastError, error.reason.contains("expired on arrival") { evidence.append("fetch: \(error.reason)") }
            found.append(Diagnosis(
                cause: .clockSkew,
                summary: localTimeFailure || lastError?.reason.contains("expired on arrival") == true
                    ? "clock skew makes a fresh token look \(worst.offset > 0 ? "not yet valid" : "already expired"): \(worst.summary)"
                    : "clock skew beyond the \(Int(Self.clockLeeway))s leeway: \(worst.summary)",
                evidence: evidence))
        }
        if let kid = retiredSigningKey, let keySet {
            var evidence = ["the token's kid is \"\(kid)\"", "\(keySet.source) publishes " + keySet.keys.map { "\"\($0.kid ?? "?")\"" }.joined(separator: ", ")]
            if let removed = keySet.changes.last(where: { $0.kind == .removed && $0.kid == kid }) {
                evidence.append("\"\(kid)\" left the key set at \(TimeText.dateTime(removed.at)) UTC")
            }
            found.append(Diagnosis(
                cause: .keyRotation,
                summary: "signed by a key the issuer no longer publishes: APIs that verify locally will refuse it after their cache expires",
                evidence: evidence))
        }
        let locallyValid = token.map { $0.verdict.status == .verified || $0.decoded.format == .opaque } ?? false
        if locallyValid, let introspection, !introspection.active, let token, introspection.checkedAt >= token.issuedAt {
            found.append(Diagnosis(
                cause: .revoked,
                summary: "the token is valid locally but the authorization server says it is not active: it was revoked",
                evidence: [
                    "local check: \(token.verdict.reason)",
                    "introspection at \(TimeText.dateTime(introspection.checkedAt)) UTC: active false",
                ] + (lastResponse.flatMap { $0.status }.map { ["API: \($0)"] } ?? [])))
        }
        if let response = lastResponse, let challenge = response.challengeError, let error = challenge.error {
            let held = Set(token?.scopes ?? [])
            if error == .insufficientScope {
                let missing = challenge.scope.filter { !held.contains($0) }
                found.append(Diagnosis(
                    cause: .missingScope,
                    summary: missing.isEmpty
                        ? "the API wants a scope the token does not carry"
                        : "the token lacks \(missing.joined(separator: " ")), which the API asks for",
                    evidence: [
                        "API \(response.status.map(String.init) ?? "-") \(challenge.scheme) error=\(error.rawValue)"
                            + (challenge.scope.isEmpty ? "" : " scope=\"\(challenge.scope.joined(separator: " "))\""),
                        "the token's scopes: \(held.isEmpty ? "none" : held.sorted().joined(separator: " "))",
                    ]))
            } else if error == .invalidToken, locallyValid, retiredSigningKey == nil, introspection?.active != false {
                var evidence = ["local check: \(token?.verdict.reason ?? "-")"]
                if let introspection { evidence.append("introspection: active \(introspection.active)") }
                evidence.append("API \(response.status.map(String.init) ?? "-"): invalid_token" + (challenge.errorDescription.map { " (\($0))" } ?? ""))
                if let aud = token?.decoded.claims["aud"] { evidence.append("the token's aud: \(aud.compactText)") }
                if let iss = token?.decoded.issuer { evidence.append("the token's iss: \(iss)") }
                found.append(Diagnosis(
                    cause: .audienceOrIssuerMismatch,
                    summary: "valid here and at the authorization server, refused by the API: it expects another audience or issuer",
                    evidence: evidence.map { TerminalText.sanitize($0) }))
            }
        }
        if let error = introspectionError,
            error.httpStatus == 401 || error.httpStatus == 403 || error.oauthCode == .unauthorizedClient
                || error.oauthCode == .invalidClient || error.oauthCode == .accessDenied
        {
            found.append(Diagnosis(
                cause: .introspectionNotAllowed,
                summary: "the authorization server does not let this client introspect tokens",
                evidence: ["introspection: \(error.description)"]))
        }
        return found
    }
}
