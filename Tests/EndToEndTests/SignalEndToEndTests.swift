import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM, SIGINT and SIGHUP shut the dashboard's service group down gracefully: the terminal
/// is restored and the embedded demo's temporary key folder is deleted, as on `q`.
@Suite("Signals end the dashboard cleanly", .serialized)
struct SignalEndToEndTests {
    @Test("a signal restores the terminal and removes the demo's key folder", arguments: [SIGTERM, SIGINT, SIGHUP])
    func cleanShutdown(signal: Int32) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-signal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // A log file unique to this run names the process to signal.
        let marker = scratch.appendingPathComponent("marker-\(UUID().uuidString).log").path
        let session = try TmuxSession(arguments: ["--log-file", marker], environment: ["TMPDIR": scratch.path])
        try await session.waitForScreen("the demo's rows") { $0.contains("mod-client") && $0.contains("embedded demo") }
        #expect(try Self.demoFolders(in: scratch).count == 1)

        let pid = try #require(try Self.process(matching: marker))
        kill(pid, signal)
        #expect(try await session.waitForExit() == 0)
        #expect(try await !session.alternateScreenOn())
        #expect(try session.terminalModes().contains(" icanon"))
        #expect(try Self.demoFolders(in: scratch).isEmpty)
    }

    static func demoFolders(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("tokentop-demo-") }
    }

    /// The pid of the one process whose command line contains `text`.
    static func process(matching text: String) throws -> pid_t? {
        let pgrep = Process()
        pgrep.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        pgrep.arguments = ["-f", text]
        let output = Pipe()
        pgrep.standardOutput = output
        try pgrep.run()
        pgrep.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // The pane's shell has the marker in its command line too: take the newest, tokentop.
        return text.split(separator: "\n").compactMap { pid_t($0) }.max()
    }
}

/// A start that fails after the embedded demo listens stops the demo as a signal would: the
/// group that runs its servers removes the key folder before the error is told.
@Suite("A failed start cleans up the demo")
struct FailedStartEndToEndTests {
    @Test(
        "an events file that cannot be opened is a usage error, and the demo's key folder is gone",
        arguments: [["serve", "--demo", "--listen", "127.0.0.1:0"], ["dashboard", "--demo"]])
    func eventsFileRefused(command: [String]) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-failed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let missing = scratch.appendingPathComponent("missing/events.jsonl").path
        let result = try await runTokentop(command + ["--events-file", missing], environment: ["TMPDIR": scratch.path])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("--events-file \(missing)"), "\(result)")
        #expect(try SignalEndToEndTests.demoFolders(in: scratch).isEmpty, "the private keys were left behind")
    }
}
