import Foundation
import Synchronization
import Testing
import TokenModel

/// How `--log-file` and `--events-file` failures are told and counted.
@Suite("Log and events files that fail")
struct FileSinkHealthTests {
    @Test("a failing file is reported once, every lost line counted, and reported again when it works")
    func reportOnce() {
        let reports = Reports()
        let health = FileSinkHealth(report: { reports.add($0) })
        health.register(label: "log", name: "--log-file /var/log/tokentop.log")
        #expect(health.snapshot().map(\.failedWrites) == [0])
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        health.failed("log", reason: "No space left on device", at: since)
        health.failed("log", reason: "No space left on device", at: since.addingTimeInterval(5))
        health.failed("log", reason: "No space left on device", at: since.addingTimeInterval(9))
        #expect(
            reports.all == [
                "--log-file /var/log/tokentop.log cannot be written (No space left on device); lines are dropped and counted "
                    + "until it can, and each new line tries again"
            ])
        #expect(
            health.problems() == [
                "--log-file /var/log/tokentop.log cannot be written since 2027-01-15T08:00:00Z: No space left on device (3 lines lost)"
            ])
        health.succeeded("log")
        health.succeeded("log")
        #expect(reports.all.count == 2)
        #expect(reports.all.last == "--log-file /var/log/tokentop.log is written again (3 lines lost so far)")
        #expect(health.problems().isEmpty)
        #expect(health.snapshot().map(\.failedWrites) == [3])
        #expect(health.summary() == ["--log-file /var/log/tokentop.log: 3 lines could not be written; it works again"])
    }

    final class Reports: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }
}
