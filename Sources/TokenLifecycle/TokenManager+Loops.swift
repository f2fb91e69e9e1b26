import Foundation
import OAuthClient
import TokenModel

/// The loops that keep each client current: a scheduler that does what `ClientPlan` says, a
/// poller that calls `resource-uri`, and one alarm that wakes whichever loop's time has come.
extension TokenManager {
    func runLoop(_ id: LoopID) async {
        switch id.kind {
        case .scheduler: await schedulerLoop(id)
        case .poller: await pollerLoop(id)
        }
    }

    /// A loop runs while the manager does and its client has not been replaced or removed.
    private func isLive(_ id: LoopID) -> Bool {
        !Task.isCancelled && loops.isRegistered(id) && clients[id.client]?.epoch == id.epoch
    }

    /// Fetches at startup and before each token's refresh point (retrying failures under
    /// backoff, replacing a token that failed verification), settles verdicts that wait for the
    /// key set, and looks at the key set when its copy goes stale; until cancelled. Wakes at
    /// the token's expiry too, so its verdict changes on time.
    private func schedulerLoop(_ id: LoopID) async {
        while isLive(id) {
            guard let plan = clients[id.client]?.plan(at: clock.now()) else { return }
            switch plan {
            case .run(.fetch(let reason)):
                await inChildTask { _ = try? await self.fetch(id.client, reason: reason) }
            case .run(.reverify):
                await inChildTask { await self.reverify(id.client) }
            case .run(.lookAtKeySet):
                await inChildTask { await self.lookAtKeySet(id.client) }
            case .wait(let until):
                await idle(id, until: until)
                publish(id.client)
            }
        }
    }

    /// Calls `resource-uri` every `poll-interval` with the held token; waits for a token when
    /// none is usable, and while paused.
    private func pollerLoop(_ id: LoopID) async {
        while isLive(id) {
            guard let runtime = clients[id.client] else { return }
            let token = runtime.usableToken(at: clock.now())
            let interval = runtime.configuration.pollInterval.timeInterval
            guard let token, !runtime.pollingPaused else {
                await idle(id, until: nil)
                continue
            }
            await inChildTask { await self.probe(id.client, with: token) }
            await idle(id, until: clock.now().addingTimeInterval(interval))
        }
    }

    /// Runs a fetch, a probe or a key-set look in a child task, whose stack is freed when it
    /// ends. A task keeps the deepest stack it ever reached for as long as it lives, and a loop
    /// lives as long as its client: the HTTP client's frames would cost each client tens of KiB.
    private func inChildTask(_ work: @escaping @Sendable () async -> Void) async {
        await withDiscardingTaskGroup { group in group.addTask(operation: work) }
    }

    /// Waits until `deadline` or a wake-up signal, whichever first.
    /// The deadline is kept by the alarm loop, which sleeps for every waiting loop at once: a
    /// timer task per waiting loop would cost each client two more tasks (~10 KiB each).
    private func idle(_ id: LoopID, until deadline: Date?) async {
        guard let signal = loops.beginWait(id, until: deadline) else { return }
        if let deadline, alarmTarget.map({ deadline < $0 }) ?? true { alarmChanged.signal() }
        checkSettled()
        await signal.wait()
        loops.endWait(id)
    }

    /// Wakes each waiting loop when its deadline comes: one sleep, until the earliest deadline,
    /// cut short when an earlier one is set.
    func alarmLoop() async {
        let clock = self.clock
        let changed = alarmChanged
        while !Task.isCancelled {
            loops.wakeDue(at: clock.now())
            let next = nextWakeUp()
            alarmTarget = next
            if changed.consumePending() { continue }
            await withTaskGroup(of: Void.self) { group in
                if let next { group.addTask { try? await clock.sleep(until: next) } }
                group.addTask { await changed.wait() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Wakes one of a client's loops so it looks at the changed state at once.
    /// - Parameter onlyIfAwaitingSignal: leave a loop that waits for a time alone.
    func wake(_ client: String, _ kind: LoopID.Kind, onlyIfAwaitingSignal: Bool = false) {
        guard let epoch = clients[client]?.epoch else { return }
        loops.wake(LoopID(client: client, kind: kind, epoch: epoch), onlyIfAwaitingSignal: onlyIfAwaitingSignal)
    }

    /// Calls the API with `token`; after a 401 `invalid_token`, once more with a new token.
    func probe(_ name: String, with token: IssuedToken) async {
        guard let runtime = clients[name] else { return }
        let service = runtime.service
        // The number of the token sent, taken before the call: another may arrive meanwhile.
        let serial = runtime.token?.accessToken == token.accessToken ? runtime.tokenSerial : nil
        let epoch = runtime.epoch
        beginOperation()
        defer { endOperation() }
        guard var response = await service.callResource(token.accessToken), clients[name]?.epoch == epoch else { return }
        response.tokenSerial = serial
        if response.status == 401, response.challengeError?.error == .invalidToken {
            record(response, for: name)
            guard let fresh = await tokenForRetry(name, rejected: token), clients[name]?.epoch == epoch else {
                publish(name)
                return
            }
            // The number of the token retried with, taken before the call, as above.
            let freshSerial = clients[name]?.token?.accessToken == fresh.accessToken ? clients[name]?.tokenSerial : nil
            guard var retried = await service.callResource(fresh.accessToken), clients[name]?.epoch == epoch else {
                publish(name)
                return
            }
            retried.wasRetry = true
            retried.tokenSerial = freshSerial
            response = retried
        }
        record(response, for: name)
        await refreshDiagnostics(name)
        publish(name)
    }

    /// The token to retry with after a 401 `invalid_token`: the held one if it changed while
    /// the call was under way, else one refresh, unless retries are halted or backing off
    /// (so a resource that rejects every token cannot drive a fetch on every poll).
    private func tokenForRetry(_ name: String, rejected: IssuedToken) async -> IssuedToken? {
        guard let runtime = clients[name] else { return nil }
        if let held = runtime.usableToken(at: clock.now()), held.accessToken != rejected.accessToken {
            return held
        }
        if runtime.retriesHalted || (runtime.nextRetryAt.map { $0 > clock.now() } ?? false) { return nil }
        return try? await fetch(name, reason: .retryAfter401)
    }

    private func record(_ response: ResourceResponse, for name: String) {
        clients[name]?.record(response)
        emit(name, .resourceCalled(response))
    }
}
