import Foundation
import Testing

/// The `tokentop serve` command line, on the built binary.
@Suite("tokentop serve command line")
struct ServeCommandTests {
    @Test("an address off loopback without --auth-token-file or --insecure-listen is refused with exit status 2")
    func offLoopbackRefused() async throws {
        let outcome = try await Tools.run(
            try Binary.tokentop().path, ["serve", "--demo", "--listen", "0.0.0.0:0"])
        #expect(outcome.status == .exited(2), "\(outcome)")
        #expect(outcome.output.contains("--listen 0.0.0.0 is not a loopback address"), "\(outcome)")
        #expect(outcome.output.contains("--auth-token-file"), "\(outcome)")
    }

    @Test("an --auth-token-file others may read is warned about before anything else")
    func readableTokenWarned() async throws {
        let file = FileManager.default.temporaryDirectory.appending(path: "tokentop-open-\(UUID().uuidString)")
        try "0123456789abcdef0123\n".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        defer { try? FileManager.default.removeItem(at: file) }
        // A bad --listen stops it right after the warning, so nothing starts.
        let outcome = try await Tools.run(
            try Binary.tokentop().path, ["serve", "--demo", "--listen", "nowhere", "--auth-token-file", file.path])
        #expect(outcome.status == .exited(2), "\(outcome)")
        #expect(
            outcome.output.hasPrefix(
                "tokentop: warning: --auth-token-file \(file.path) is readable by others and holds the bearer token; chmod 600 it\n"
            ),
            "\(outcome)")
    }

    @Test("a weak --auth-token-file is refused with exit status 2")
    func weakTokenRefused() async throws {
        let file = FileManager.default.temporaryDirectory.appending(path: "tokentop-weak-\(UUID().uuidString)")
        try "secret\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let outcome = try await Tools.run(
            try Binary.tokentop().path, ["serve", "--demo", "--listen", "0.0.0.0:0", "--auth-token-file", file.path])
        #expect(outcome.status == .exited(2), "\(outcome)")
        #expect(outcome.output.contains("at least 16 characters"), "\(outcome)")
    }
}
