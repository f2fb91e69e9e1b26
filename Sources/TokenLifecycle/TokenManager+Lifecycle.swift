import Foundation
import OAuthClient
import TokenModel

/// A token's life: fetched (callers share one request), verified before it is held, verified
/// again whenever the key set it was judged by changes, and replaced when it failed in a way a
/// new token may mend.
extension TokenManager {
    /// Fetches a token; callers that ask while a request is under way share its answer.
    @discardableResult
    func fetch(_ name: String, reason: FetchReason) async throws(OAuthError) -> IssuedToken {
        guard let runtime = clients[name] else { throw OAuthError.configuration("no client named \(name)") }
        if runtime.inFlight != nil {
            return try await withCheckedContinuation { continuation in
                clients[name]?.inFlight?.waiters.append(continuation)
            }.get()
        }
        clients[name]?.inFlight = InFlightFetch(reason: reason)
        // A new token is on its way: the replacement it serves is no longer due.
        clients[name]?.replaceTokenAt = nil
        if reason == .verificationFailed { clients[name]?.replacementAttempts += 1 }
        publish(name)
        let service = runtime.service
        let epoch = runtime.epoch
        let startedAt = clock.now()
        let started = ContinuousClock.now
        beginOperation()
        defer { endOperation() }
        var result: Result<IssuedToken, OAuthError>
        do throws(OAuthError) {
            result = .success(try await service.requestToken())
        } catch {
            result = .failure(error)
        }
        let latency = ContinuousClock.now - started
        if case .success(let token) = result, let problem = token.arrivalProblem(now: clock.now(), endpoint: nil) {
            // A skewed clock or exp in the past: a failure under backoff, never a token to
            // hand out or a reason to fetch again at once.
            result = .failure(problem)
        }
        // Verified before it is held, so a routine refresh never shows a verdict "pending".
        var judged: (verdict: SignatureVerdict, revision: Int)?
        if case .success(let token) = result {
            let revision = await service.keySetRevision()
            judged = (await service.verify(token.accessToken, receivedAt: token.issuedAt), revision)
        }
        // Reloaded meanwhile: the waiters were answered then, and the answer belongs to nobody.
        guard clients[name]?.epoch == epoch else { throw OAuthError.configuration("\(name) was reloaded during the request") }
        let waiters = clients[name]?.inFlight?.waiters ?? []
        clients[name]?.inFlight = nil
        switch result {
        case .success(let token): accept(token, for: name, reason: reason, startedAt: startedAt, latency: latency)
        case .failure(let error): reject(error, for: name, reason: reason, startedAt: startedAt, latency: latency)
        }
        if let judged { hold(judged.verdict, drawnAt: judged.revision, for: name) }
        await refreshDiagnostics(name)
        publish(name)
        for waiter in waiters { waiter.resume(returning: result) }
        if case .success = result, clients[name]?.verdict?.status == .notChecked,
            clients[name]?.configuration.introspectionURI != nil
        {
            // No key set to judge by: the authorization server can vouch for the token instead.
            _ = await introspectHeld(name)
            publish(name)
        }
        return try result.get()
    }

    private func accept(_ token: IssuedToken, for name: String, reason: FetchReason, startedAt: Date, latency: Duration) {
        guard var runtime = clients[name] else { return }
        let changes = Self.claimChanges(from: runtime.token?.decoded.claims, to: token.decoded.claims)
        runtime.token = token
        runtime.tokenSerial += 1
        runtime.verdict = nil
        runtime.refreshAt = RefreshPolicy(skew: runtime.configuration.refreshSkew).refreshAt(
            issuedAt: token.issuedAt, expiresAt: token.expiresAt, refreshIn: token.refreshIn, jitter: random())
        runtime.lastError = nil
        runtime.failureCount = 0
        runtime.nextRetryAt = nil
        runtime.retriesHalted = false
        runtime.revoked = false
        runtime.introspection = nil
        runtime.introspectionError = nil
        runtime.issuedAtReading = token.decoded.issuedAt.map { iat in
            // iat is whole seconds, stamped somewhere inside the exchange.
            ClockReading(
                server: token.decoded.issuer.map { TerminalText.sanitize($0) } ?? "the authorization server",
                offset: iat.timeIntervalSince(token.issuedAt.addingTimeInterval(-latency.timeInterval / 2)),
                uncertainty: latency.timeInterval / 2 + 1, source: .issuedAt, at: token.issuedAt)
        }
        runtime.record(
            FetchRecord(
                reason: reason, startedAt: startedAt, latency: latency, error: nil, claimChanges: changes,
                expiresAt: token.expiresAt, nonceRetried: token.nonceRetried))
        clients[name] = runtime
        logger.info("new token", metadata: ["client": "\(name)", "token": "\(token.masked)", "reason": "\(reason.words)"])
        emit(name, .tokenFetched(reason: reason, latency: latency, expiresAt: token.expiresAt))
        // Whatever fetched it, the scheduler plans the next refresh, and a poller that waits
        // for a token starts calling (a busy one uses it on its next round).
        wake(name, .scheduler)
        wake(name, .poller, onlyIfAwaitingSignal: true)
    }

    private func reject(_ error: OAuthError, for name: String, reason: FetchReason, startedAt: Date, latency: Duration) {
        guard var runtime = clients[name] else { return }
        runtime.lastError = error
        runtime.failureCount += 1
        if error.needsOperator {
            runtime.retriesHalted = true
            runtime.nextRetryAt = nil
        } else {
            let wait =
                error.isRateLimited
                ? backoff.delay(afterRateLimit: error.retryAfter, attempt: runtime.failureCount, random: random())
                : backoff.delay(attempt: runtime.failureCount, retryAfter: error.retryAfter, random: random())
            runtime.nextRetryAt = clock.now().addingTimeInterval(wait.timeInterval)
        }
        runtime.record(
            FetchRecord(
                reason: reason, startedAt: startedAt, latency: latency, error: error, claimChanges: [], expiresAt: nil,
                // The client retries a `use_dpop_nonce` once; the error is still that code only after the retry.
                nonceRetried: error.oauthCode == .useDPoPNonce))
        clients[name] = runtime
        logger.warning(
            "token request failed",
            metadata: ["client": "\(name)", "reason": "\(reason.words)", "error": "\(error.description)"])
        emit(name, .tokenFailed(reason: reason, latency: latency, error: error))
        wake(name, .scheduler)
    }

    /// Holds `verdict` for the held token, drawn from key-set revision `revision`, and plans
    /// what follows from it: a recheck when it waits for the key set, a new token when it
    /// failed in a way a new token may mend (at once the first time, then under backoff).
    func hold(_ verdict: SignatureVerdict, drawnAt revision: Int, for name: String) {
        guard var runtime = clients[name], runtime.token != nil else { return }
        let now = clock.now()
        var verdict = verdict
        // A recheck is never due at once again: that would verify in a loop.
        if let recheckAt = verdict.recheckAt, recheckAt <= now {
            verdict.recheckAt = now.addingTimeInterval(KeySetStatus.minimumRefetchInterval.timeInterval)
        }
        let changed = runtime.verdict != verdict
        runtime.verdict = verdict
        runtime.verdictKeySetRevision = revision
        if verdict.newTokenMayHelp, runtime.configuration.refreshMode == .automatic {
            if runtime.replaceTokenAt == nil {
                let wait =
                    runtime.replacementAttempts == 0
                    ? .zero : backoff.delay(attempt: runtime.replacementAttempts, retryAfter: nil, random: random())
                runtime.replaceTokenAt = now.addingTimeInterval(wait.timeInterval)
            }
        } else {
            runtime.replaceTokenAt = nil
            if verdict.status == .verified { runtime.replacementAttempts = 0 }
        }
        clients[name] = runtime
        if changed { emit(name, .signatureChecked(verdict)) }
        publish(name)
        wake(name, .scheduler)
    }

    /// Verifies the held token again against the key set as it stands now.
    func reverify(_ name: String) async {
        guard let runtime = clients[name], let token = runtime.token, token.decoded.format == .jwt else { return }
        beginOperation()
        defer { endOperation() }
        let revision = await runtime.service.keySetRevision()
        let verdict = await runtime.service.verify(token.accessToken, receivedAt: token.issuedAt)
        guard clients[name]?.epoch == runtime.epoch, clients[name]?.token?.accessToken == token.accessToken else { return }
        hold(verdict, drawnAt: revision, for: name)
        await refreshDiagnostics(name)
    }

    /// Looks at the key set again: when its copy is stale, or, when the operator asked and
    /// the floor now allows, whatever its age.
    func lookAtKeySet(_ name: String) async {
        guard let runtime = clients[name] else { return }
        beginOperation()
        defer { endOperation() }
        let now = clock.now()
        clients[name]?.lastKeySetLook = now
        if let requested = runtime.keySetRefetchRequestedFor, requested <= now {
            clients[name]?.keySetRefetchRequestedFor = await runtime.service.refetchKeySet()
        } else {
            _ = await runtime.service.watchKeySet()
        }
        await refreshDiagnostics(name)
        publish(name)
    }

    /// Takes in what the client's servers have shown of their clocks and key set, and draws
    /// the held token's verdict again when the key set moved since it was drawn.
    func refreshDiagnostics(_ name: String) async {
        guard let service = clients[name]?.service, let epoch = clients[name]?.epoch else { return }
        // Awaited first, assigned after: no access to `clients` spans the suspension.
        let diagnostics = await service.diagnostics()
        guard let before = clients[name], before.epoch == epoch else { return }
        clients[name]?.diagnostics = diagnostics
        takeBudget(diagnostics.tokenEndpointBudget)
        for event in journal.changes(of: name, from: before.diagnostics, to: diagnostics, at: clock.now()) {
            journal.record(event)
        }
        if before.token?.decoded.format == .jwt, before.verdict != nil, before.verdictKeySetRevision != diagnostics.keySetRevision
        {
            await reverify(name)
        }
    }

    /// Asks the authorization server about the held token, keeping the answer (or why none
    /// came) with the client; nil when no token is held or it changed meanwhile.
    func introspectHeld(_ name: String) async -> Result<IntrospectionResult, OAuthError>? {
        guard let runtime = clients[name], let token = runtime.token else { return nil }
        beginOperation()
        defer { endOperation() }
        let outcome: Result<IntrospectionResult, OAuthError>
        do throws(OAuthError) {
            outcome = .success(try await runtime.service.introspect(token.accessToken))
        } catch {
            outcome = .failure(error)
        }
        // The answer is about the token sent; if another is held by now, it is not kept.
        guard clients[name]?.token?.accessToken == token.accessToken else { return nil }
        switch outcome {
        case .success(let result):
            clients[name]?.introspection = result
            clients[name]?.introspectionError = nil
            emit(name, .introspected(active: result.active))
        case .failure(let error):
            clients[name]?.introspectionError = error
        }
        return outcome
    }

    /// Claims that differ between two tokens, as `+name`, `-name`, `~name`; claims that
    /// change on every token are left out.
    static func claimChanges(from old: [String: JSONValue]?, to new: [String: JSONValue]) -> [String] {
        guard let old else { return [] }
        let volatile: Set = ["exp", "iat", "nbf", "jti", "auth_time", "uti", "rh"]
        var changes: [String] = []
        for key in Set(old.keys).union(new.keys).subtracting(volatile).sorted() {
            switch (old[key], new[key]) {
            case (nil, .some): changes.append("+\(key)")
            case (.some, nil): changes.append("-\(key)")
            case (.some(let before), .some(let after)) where before != after: changes.append("~\(key)")
            default: break
            }
        }
        return changes
    }
}
