import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wakes the terminal thread from its wait for a key when something arrives for it (a
/// snapshot, an action's outcome, a request to quit): a pipe whose read end the wait watches
/// beside the terminal. So the thread sleeps until a key, a delivery or the next second,
/// instead of waking twenty times a second to look (most of an idle dashboard's CPU).
final class WakeSignal: Sendable {
    /// Readable while a wake is pending.
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    /// Nil when no pipe can be made (out of descriptors); the dashboard then looks for
    /// deliveries on a short timeout, as it did before.
    init?() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            // Neither end blocks, and neither is inherited by what the dashboard starts.
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        readDescriptor = ends[0]
        writeDescriptor = ends[1]
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// Never blocks: a full pipe already holds a pending wake.
    func wake() {
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }

    /// Takes the pending wakes, so the next wait sleeps again.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readDescriptor, &buffer, buffer.count) > 0 {}
    }
}
