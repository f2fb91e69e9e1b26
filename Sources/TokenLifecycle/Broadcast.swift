import Foundation
import Synchronization

/// Hands each published value to every subscriber's stream. Subscribing and leaving are
/// synchronous, so a reader that goes away leaves no task behind.
final class Broadcast<Value: Sendable>: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<Value>.Continuation]>([:])
    private let policy: AsyncStream<Value>.Continuation.BufferingPolicy

    /// - Parameter policy: `.bufferingNewest(1)` for state (slow readers see only the newest),
    ///   `.unbounded` for events (each one matters to every reader).
    init(policy: AsyncStream<Value>.Continuation.BufferingPolicy) {
        self.policy = policy
    }

    func subscribe(startingWith first: Value? = nil) -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream.makeStream(of: Value.self, bufferingPolicy: policy)
        let id = UUID()
        if let first { continuation.yield(first) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    var hasSubscribers: Bool { subscribers.withLock { !$0.isEmpty } }

    func publish(_ value: Value) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(value) }
    }

    /// Ends every stream: readers' loops finish.
    func finish() {
        for continuation in subscribers.withLock({ subscribers in
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }) {
            continuation.finish()
        }
    }
}
