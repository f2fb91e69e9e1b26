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
