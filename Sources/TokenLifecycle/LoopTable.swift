import Foundation

/// One of a client's loops.
struct LoopID: Hashable, Sendable {
    enum Kind: CaseIterable, Sendable {
        /// Fetches tokens, settles verdicts and looks at the key set, as `ClientPlan` says.
        case scheduler
        /// Calls `resource-uri` every poll interval.
        case poller
    }

    let client: String
    let kind: Kind
    /// The client runtime's number: a reload that replaces the client retires its loops.
    let epoch: Int
}

/// Whether a loop is working or waiting (until a time, or for a signal when nil).
enum LoopState: Equatable {
    case busy
    case waiting(until: Date?)
}

/// The manager's runtime bookkeeping, apart from any client's facts: which loops exist and
/// what each waits for, the signal that wakes each, the work under way outside the loops, and
/// who waits for all of it to settle (the tests). The manager owns one and drives it; every
/// method is synchronous, so it lives inside the manager's isolation.
struct LoopTable {
    private(set) var loops: [LoopID: LoopState] = [:]
    private var signals: [LoopID: WakeSignal] = [:]
    /// Operations under way outside the loops (actions, probes, fetches run by callers).
    private var activeOperations = 0
    private var settleWaiters: [CheckedContinuation<Void, Never>] = []

    /// Registers a loop, busy until it first waits.
    mutating func register(_ id: LoopID) {
        loops[id] = .busy
        signals[id] = WakeSignal()
    }

    /// Forgets a loop and wakes it, so it sees it is gone and ends.
    mutating func retire(_ id: LoopID) {
        loops[id] = nil
        signals.removeValue(forKey: id)?.signal()
    }

    /// Forgets every loop (the manager stopped).
    mutating func removeAll() {
        loops.removeAll()
        signals.removeAll()
    }

    func isRegistered(_ id: LoopID) -> Bool { signals[id] != nil }

    /// Marks the loop waiting and hands back the signal to wait on; nil when it is gone, or
    /// when a signal came meanwhile (the loop looks again at once).
    mutating func beginWait(_ id: LoopID, until deadline: Date?) -> WakeSignal? {
        guard let signal = signals[id], !signal.consumePending() else { return nil }
        loops[id] = .waiting(until: deadline)
        return signal
    }

    /// Marks a loop that woke up busy again.
    mutating func endWait(_ id: LoopID) {
        if loops[id] != nil { loops[id] = .busy }
    }

    /// Wakes a loop so it looks at the changed state at once.
    /// - Parameter onlyIfAwaitingSignal: leave a loop that waits for a time alone.
    mutating func wake(_ id: LoopID, onlyIfAwaitingSignal: Bool = false) {
        guard let signal = signals[id] else { return }
        if onlyIfAwaitingSignal && loops[id] != .waiting(until: nil) { return }
        loops[id] = .busy
        signal.signal()
    }

    /// Wakes every loop whose deadline has come.
    mutating func wakeDue(at now: Date) {
        for (id, state) in loops {
            if case .waiting(let until?) = state, until <= now { wake(id) }
        }
    }

    /// The earliest time a loop will wake by itself.
    var nextWakeUp: Date? {
        loops.values.compactMap { if case .waiting(let until) = $0 { return until } else { return nil } }.min()
    }

    // MARK: Settling, for exact tests

    mutating func beginOperation() {
        activeOperations += 1
    }

    /// Ends an operation; answers the settle waiters when that was the last thing under way.
    mutating func endOperation(now: Date, running: Bool) {
        activeOperations -= 1
        resumeIfSettled(now: now, running: running)
    }

    /// True when nothing is under way: every loop waits for a future time or a signal.
    func isSettled(now: Date) -> Bool {
        guard activeOperations == 0 else { return false }
        return loops.values.allSatisfy { state in
            guard case .waiting(let until) = state else { return false }
            return until.map { $0 > now } ?? true
        }
    }

    mutating func addSettleWaiter(_ waiter: CheckedContinuation<Void, Never>) {
        settleWaiters.append(waiter)
    }

    /// Answers every settle waiter when settled (or when the manager is not running).
    mutating func resumeIfSettled(now: Date, running: Bool) {
        guard !running || isSettled(now: now) else { return }
        let waiters = settleWaiters
        settleWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }
}
