import Foundation
import OAuthClient
import TokenModel

/// What a front end asks: the operator's actions, and `check`'s one round.
extension TokenManager {
    /// Carries out a front end's request and says how it ended. Returns when it is done;
    /// front ends call it from a task of their own so input never waits for the network.
    @discardableResult
    public func perform(_ action: ClientAction) async -> [ActionRecord] {
        switch action {
        case .refresh(let name):
            return [await manualRefresh(name)]
        case .refreshAll:
            return await withTaskGroup(of: ActionRecord.self) { group in
                for name in order { group.addTask { await self.manualRefresh(name) } }
                var records: [ActionRecord] = []
                for await record in group { records.append(record) }
                // In configuration order; a client a reload removed meanwhile goes last.
                let order = self.order
                let position = { (name: String) in order.firstIndex(of: name) ?? Int.max }
                return records.sorted { position($0.client) < position($1.client) }
            }
        case .introspect(let name):
            return [await introspect(name)]
        case .revoke(let name):
            return [await revoke(name)]
        case .diagnose(let name):
            return [await diagnose(name)]
        case .reloadConfiguration:
            // Only the host knows where the configuration came from (see `reload(_:)`).
            return [
                ActionRecord(
                    action: .reload, client: "configuration", at: clock.now(), succeeded: false,
                    outcome: "this front end cannot reload the configuration")
            ]
        case .togglePolling(let name):
            guard clients[name] != nil else { return [unknown(name, .pause)] }
            clients[name]?.pollingPaused.toggle()
            let paused = clients[name]?.pollingPaused == true
            wake(name, .poller)
            return [
                finish(
                    ActionRecord(
                        action: paused ? .pause : .resume, client: name, at: clock.now(), succeeded: true,
                        outcome: paused ? "calls of the resource paused" : "calls of the resource resumed"))
            ]
        }
    }

    /// For every client, once: fetch a token (verifying it), introspect it when it is opaque
    /// or when asked, and call `resource-uri`; then the snapshot. The same code the loops run,
    /// so `check` and the dashboard reach the same verdict.
    public func checkRound(introspectJWTs: Bool) async -> ManagerSnapshot {
        await withDiscardingTaskGroup { group in
            for name in order {
                group.addTask { await self.checkClient(name, introspectJWTs: introspectJWTs) }
            }
        }
        // A round is all there is: no retry follows it, so the verdicts promise none
        // ("next try in 4s", "retries stopped until a manual refresh" mean nothing here).
        var result = snapshot()
        for index in result.clients.indices {
            result.clients[index].retriesHalted = false
            result.clients[index].nextRetryAt = nil
        }
        return result
    }

    private func checkClient(_ name: String, introspectJWTs: Bool) async {
        guard let token = try? await fetch(name, reason: .startup) else { return }
        if clients[name]?.configuration.resourceURI != nil, let held = clients[name]?.usableToken(at: clock.now()) {
            await probe(name, with: held)
        }
        // After the API call, so the answer is about the token the API saw last (a 401 may have
        // brought a new one).
        if token.decoded.format == .opaque || introspectJWTs { _ = await introspectHeld(name) }
    }

    private func unknown(_ name: String, _ action: ActionRecord.Action) -> ActionRecord {
        ActionRecord(action: action, client: name, at: clock.now(), succeeded: false, outcome: "no client named \(name)")
    }

    /// Records an action's outcome in the client's history, the event feed and the snapshot.
    private func finish(_ record: ActionRecord) -> ActionRecord {
        clients[record.client]?.record(record)
        emit(record.client, .operatorAction(record))
        publish(record.client)
        return record
    }

    private func manualRefresh(_ name: String) async -> ActionRecord {
        guard clients[name] != nil else { return unknown(name, .refresh) }
        clients[name]?.retriesHalted = false
        clients[name]?.revoked = false
        clients[name]?.failureCount = 0
        clients[name]?.nextRetryAt = nil
        clients[name]?.replacementAttempts = 0
        let now = clock.now()
        do {
            let token = try await fetch(name, reason: .manual)
            let expiry = token.expiresAt.map { ", expires " + TimeText.relative($0, now: clock.now()) } ?? ""
            return finish(
                ActionRecord(
                    action: .refresh, client: name, at: now, succeeded: true, outcome: "new token \(token.masked)\(expiry)"))
        } catch {
            return finish(ActionRecord(action: .refresh, client: name, at: now, succeeded: false, outcome: error.description))
        }
    }

    private func introspect(_ name: String) async -> ActionRecord {
        guard clients[name] != nil else { return unknown(name, .introspect) }
        let now = clock.now()
        guard clients[name]?.token != nil else {
            return finish(
                ActionRecord(action: .introspect, client: name, at: now, succeeded: false, outcome: "no token to introspect"))
        }
        switch await introspectHeld(name) {
        case nil:
            return finish(
                ActionRecord(
                    action: .introspect, client: name, at: now, succeeded: false,
                    outcome: "the token changed meanwhile; introspect again"))
        case .success(let result)?:
            clients[name]?.lastActionError = nil
            return finish(
                ActionRecord(
                    action: .introspect, client: name, at: now, succeeded: true,
                    outcome: result.active ? "the server says the token is active" : "the server says the token is NOT active"))
        case .failure(let error)?:
            clients[name]?.lastActionError = error
            return finish(ActionRecord(action: .introspect, client: name, at: now, succeeded: false, outcome: error.description))
        }
    }

    /// The three-way check of the token held now (fetching one only when none is): the key set
    /// fetched again (when the floor allows; else it is fetched the moment it does), the API
    /// called with it, the authorization server asked about it. The record names what
    /// `diagnoses(at:)` finds from the checks that ran, and every check that could not run.
    private func diagnose(_ name: String) async -> ActionRecord {
        guard let runtime = clients[name] else { return unknown(name, .diagnose) }
        let now = clock.now()
        beginOperation()
        defer { endOperation() }
        let token: IssuedToken
        if let held = runtime.usableToken(at: now) {
            token = held
        } else if runtime.revoked {
            // Revoked here on purpose: a new token would be checked, not the one revoked.
            return finish(
                ActionRecord(
                    action: .diagnose, client: name, at: now, succeeded: false,
                    outcome: "the token was revoked here and none is held; fetch a new one to check it"))
        } else {
            do throws(OAuthError) {
                token = try await fetch(name, reason: .manual)
            } catch {
                return finish(
                    ActionRecord(action: .diagnose, client: name, at: now, succeeded: false, outcome: error.description))
            }
        }
        var deferred = ""
        if let allowedAt = await runtime.service.refetchKeySet() {
            clients[name]?.keySetRefetchRequestedFor = allowedAt
            wake(name, .scheduler)
            deferred =
                "; key set refetch in " + TimeText.duration(seconds: max(1, TimeText.secondsUntil(allowedAt, now: clock.now())))
        }
        await refreshDiagnostics(name)
        if runtime.configuration.resourceURI != nil { await probe(name, with: token) }
        _ = await introspectHeld(name)
        guard let current = clients[name],
            case let snapshot = current.snapshot(now: clock.now(), budget: sharedBudget(of: current))
        else { return unknown(name, .diagnose) }
        return finish(
            ActionRecord(
                action: .diagnose, client: name, at: now, succeeded: true,
                outcome: snapshot.diagnosisOutcome(at: clock.now()) + deferred))
    }

    private func revoke(_ name: String) async -> ActionRecord {
        guard let runtime = clients[name] else { return unknown(name, .revoke) }
        let now = clock.now()
        guard let token = runtime.token else {
            return finish(ActionRecord(action: .revoke, client: name, at: now, succeeded: false, outcome: "no token to revoke"))
        }
        beginOperation()
        defer { endOperation() }
        let failure: OAuthError?
        do throws(OAuthError) {
            try await runtime.service.revoke(token.accessToken)
            failure = nil
        } catch {
            failure = error
        }
        if let failure {
            clients[name]?.lastActionError = failure
            return finish(ActionRecord(action: .revoke, client: name, at: now, succeeded: false, outcome: failure.description))
        }
        // Dropped, and not fetched again until asked: the operator revoked it on purpose.
        if clients[name]?.token?.accessToken == token.accessToken {
            clients[name]?.token = nil
            clients[name]?.refreshAt = nil
            clients[name]?.verdict = nil
            clients[name]?.replaceTokenAt = nil
            clients[name]?.revoked = true
        }
        clients[name]?.introspection = nil
        clients[name]?.introspectionError = nil
        clients[name]?.lastActionError = nil
        logger.info("token revoked by the operator", metadata: ["client": "\(name)", "token": "\(token.masked)"])
        wake(name, .scheduler)
        return finish(
            ActionRecord(
                action: .revoke, client: name, at: now, succeeded: true, outcome: "token \(token.masked) revoked and dropped"))
    }
}
