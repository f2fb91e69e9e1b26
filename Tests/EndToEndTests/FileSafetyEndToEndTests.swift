import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The files tokentop writes and reads, on the real binary: a full disk is reported and
/// survived, never a crash; a planted symbolic link or FIFO is refused at once.
@Suite("Files tokentop writes and reads")
struct FileSafetyEndToEndTests {
    /// An empty home with no configuration, and its path.
    func home() throws -> (environment: [String: String], path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (["HOME": directory.path, "XDG_CONFIG_HOME": directory.path + "/config"], directory.path)
    }

    @Test("check with its log and events files on a full disk reports each once, and still checks and exits by the verdict")
    func fullDiskSinks() async throws {
        let (environment, path) = try home()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await runTokentop(
            ["check", "--demo", "--log-file", "/dev/full", "--events-file", "/dev/full", "mod-client"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("mod-client"))
        for option in ["--log-file", "--events-file"] {
            let warning = "tokentop: warning: \(option) /dev/full cannot be written (No space left on device)"
            #expect(result.stderr.components(separatedBy: warning).count == 2, "\(option) not reported once: \(result.stderr)")
        }
    }

    @Test(
        "token and check --json exit 1 with a message when standard output cannot be written",
        arguments: [
            ["token", "--demo", "mod-client"], ["check", "--demo", "--json", "mod-client"],
        ])
    func fullStandardOutput(arguments: [String]) async throws {
        let (environment, path) = try home()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await runTokentop(arguments, environment: environment, standardOutput: "/dev/full")
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("tokentop: cannot write to standard output: No space left on device"), "\(result.stderr)")
    }

    @Test("the dashboard with its log and events files on a full disk keeps running, and says so when it ends")
    func dashboardOnFullDisk() async throws {
        let session = try TmuxSession(arguments: ["--log-file", "/dev/full", "--events-file", "/dev/full"])
        try await session.waitForScreen("the demo's verdicts") { $0.contains("mod-client") && $0.contains("✔ ok") }
        try await session.send("r")
        try await session.waitForScreen("a manual refresh done") { $0.contains("refresh") && $0.contains("✔ ok") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        let screen = try await session.screen()
        #expect(screen.contains("tokentop: warning: --log-file /dev/full:"), "\(screen)")
        #expect(screen.contains("tokentop: warning: --events-file /dev/full:"), "\(screen)")
        #expect(screen.contains("lines could not be written; still failing: No space left on device"), "\(screen)")
    }

    @Test(
        "--events-file is refused by the commands that run no token manager",
        arguments: [
            ["token", "mod-client"], ["introspect", "mod-client"], ["revoke", "mod-client"], ["decode", "x.y.z"],
        ])
    func eventsFileRefused(arguments: [String]) async throws {
        let (environment, path) = try home()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let events = path + "/events.jsonl"
        let result = try await runTokentop(arguments + ["--events-file", events], environment: environment)
        #expect(result.status == 2)
        #expect(result.stderr.contains("Unknown option '--events-file'"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: events))
    }

    @Test("--events-file refuses a planted symbolic link and a FIFO at once, and makes an open file private")
    func eventsFileSafety() async throws {
        let (environment, path) = try home()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let victim = path + "/victim.txt"
        try "untouched\n".write(toFile: victim, atomically: true, encoding: .utf8)
        let link = path + "/events-link.jsonl"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
        let linked = try await runTokentop(["check", "--demo", "mod-client", "--events-file", link], environment: environment)
        #expect(linked.status == 2)
        #expect(linked.stderr.contains("--events-file \(link): is a symbolic link"), "\(linked.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched\n")

        let fifo = path + "/events.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        // The bound is the runner's: a FIFO that blocked would be killed at 20 s and fail here.
        let piped = try await runTokentop(
            ["check", "--demo", "mod-client", "--events-file", fifo], environment: environment, timeout: 20)
        #expect(piped.status == 2)
        #expect(piped.stderr.contains("--events-file \(fifo): is a FIFO, not a regular file"), "\(piped.stderr)")

        let open = path + "/events.jsonl"
        #expect(FileManager.default.createFile(atPath: open, contents: nil, attributes: [.posixPermissions: 0o644]))
        let result = try await runTokentop(["check", "--demo", "mod-client", "--events-file", open], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect((try FileManager.default.attributesOfItem(atPath: open)[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: open, encoding: .utf8).contains("\"token_fetched\""))
    }

    @Test("a FIFO named as a client's certificate is refused when the configuration loads, naming the file")
    func fifoCertificateRefused() async throws {
        let (environment, path) = try home()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fifo = path + "/client.crt"
        #expect(mkfifo(fifo, 0o600) == 0)
        let key = path + "/client.key"
        try "not read\n".write(toFile: key, atomically: true, encoding: .utf8)
        let config = path + "/tokentop.yaml"
        try """
        clients:
          mtls:
            token-uri: https://auth.example.com/oauth2/token
            client-id: mtls
            client-secret: s3cret
            tls-client-certificate-file: \(fifo)
            tls-client-key-file: \(key)

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await runTokentop(["check", "--config", config], environment: environment, timeout: 20)
        #expect(result.status == 2)
        #expect(result.stderr.contains("tls-client-certificate-file: \(fifo): is a FIFO, not a regular file"), "\(result.stderr)")
    }
}
