import Foundation
import Testing
import TokenModel

@testable import TerminalDriver

/// The pipe that wakes the terminal thread: without it, a delivery would wait for the next
/// second to be drawn (the thread sleeps until a key, a wake or the second).
@Suite("The terminal thread's wake signal")
struct WakeSignalTests {
    private static func isReadable(_ descriptor: Int32) -> Bool {
        var watched = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&watched, 1, 0) == 1
    }

    private static func empty(_ generation: UInt64) -> ManagerSnapshot {
        ManagerSnapshot(generation: generation, takenAt: Date(), clients: [])
    }

    @Test("every delivery rings it, a drain quiets it, and ringing a full pipe never blocks")
    func rings() throws {
        let mailbox = Mailbox(snapshot: Self.empty(0))
        let wake = try #require(mailbox.wakeSignal)
        #expect(!Self.isReadable(wake.readDescriptor))

        let deliveries: [(String, () -> Void)] = [
            ("a snapshot", { mailbox.post(Self.empty(1)) }),
            ("an action's outcome", { mailbox.post([ActionRecord]()) }),
            ("a clipboard answer", { mailbox.post(Mailbox.CopyResult(client: "a", token: nil)) }),
            ("a request to quit", { mailbox.requestQuit() }),
        ]
        for (what, deliver) in deliveries {
            deliver()
            #expect(Self.isReadable(wake.readDescriptor), "\(what) rings the signal")
            wake.drain()
            #expect(!Self.isReadable(wake.readDescriptor), "drained after \(what)")
        }

        // More rings than a pipe holds (64 KiB): each returns at once, and one drain empties it.
        for _ in 0..<100_000 { wake.wake() }
        #expect(Self.isReadable(wake.readDescriptor))
        wake.drain()
        #expect(!Self.isReadable(wake.readDescriptor))
    }
}
