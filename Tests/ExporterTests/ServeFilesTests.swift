import DemoServer
import Foundation
import Subprocess
import Testing

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// `tokentop serve`'s log and events files, on the built binary: a full disk is reported and
/// counted while tokens keep being refreshed; `--events-file` records the manager's events.
@Suite("serve's log and events files")
struct ServeFilesTests {
    @Test("with its log and events files on a full disk, serve keeps refreshing, and says so once, in /healthz and a counter")
    func fullDisk() async throws {
        var options = DemoServerOptions()
        // Refreshes every few seconds, so the test sees a refresh while the files fail.
        options.clients = [
            DemoClientSpec(name: "short", scopes: [DemoClientSpec.modScope], tokenLifetime: .seconds(6), refreshSkew: .seconds(2))
        ]
        try await withDemoAndFolder(options) { demo, directory in
            let serveLog = directory.appending(path: "serve.log")
            let serve = try await run(
                demo, in: directory, ["--log-file", "/dev/full", "--events-file", "/dev/full"], log: serveLog
            ) { api in
                var first: String?
                try await eventually("a first token", within: 30) {
                    first = try? await Self.jti(of: "short", api: api)
                    return first != nil
                }
                try await eventually("a refresh while the files fail", within: 30) {
                    let now = try? await Self.jti(of: "short", api: api)
                    return now != nil && now != first
                }
                let health = try await HTTP.get(api.appending(path: "healthz"))
                #expect(health.status == 200)
                #expect(health.text.hasPrefix("ok\n"), "\(health.text)")
                #expect(health.text.contains("warning: --log-file /dev/full cannot be written since "), "\(health.text)")
                #expect(health.text.contains("warning: --events-file /dev/full cannot be written since "), "\(health.text)")
                let metrics = Exposition(try await HTTP.get(api.appending(path: "metrics")).text)
                for file in ["log", "events"] {
                    let lost = metrics.values("tokentop_log_write_errors_total", ["file": file])
                    #expect(lost.count == 1 && lost[0] > 0, "\(file): \(lost)")
                }
            }
            let log = (try? String(contentsOf: serveLog, encoding: .utf8)) ?? ""
            #expect(serve == .exited(0), "\(log)")
            for option in ["--log-file", "--events-file"] {
                let warning = "tokentop: warning: \(option) /dev/full cannot be written (No space left on device)"
                #expect(log.components(separatedBy: warning).count == 2, "\(option) not reported once: \(log)")
            }
        }
    }

    @Test("--events-file gets the manager's events as JSON lines, in a file made 0600")
    func eventsFile() async throws {
        var options = DemoServerOptions()
        options.clients = [DemoClientSpec(name: "alpha", scopes: [DemoClientSpec.modScope])]
        try await withDemoAndFolder(options) { demo, directory in
            let events = directory.appending(path: "events.jsonl")
            let serveLog = directory.appending(path: "serve.log")
            let serve = try await run(demo, in: directory, ["--events-file", events.path], log: serveLog) { _ in
                try await eventually("alpha's fetch in the events file", within: 30) {
                    ((try? String(contentsOf: events, encoding: .utf8)) ?? "").contains("\"token_fetched\"")
                }
            }
            #expect(serve == .exited(0))
            let lines = try String(contentsOf: events, encoding: .utf8).split(separator: "\n")
            for line in lines {
                let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(event["client"] as? String == "alpha")
            }
            #expect((try FileManager.default.attributesOfItem(atPath: events.path)[.posixPermissions] as? Int) == 0o600)
        }
    }

    /// Runs `tokentop serve` on the demo's configuration with `arguments`, calls `body` with its
    /// address, then stops it with SIGTERM.
    private func run(
        _ demo: DemoEnvironment, in directory: URL, _ arguments: [String], log: URL,
        _ body: (URL) async throws -> Void
    ) async throws -> TerminationStatus {
        let configuration = directory.appending(path: "tokentop.yaml")
        try demo.configurationYAML().write(to: configuration, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configuration.path)
        let serve = try await Subprocess.run(
            .path(FilePath(try Binary.tokentop().path)),
            arguments: Arguments(["serve", "--config", configuration.path, "--listen", "127.0.0.1:0"] + arguments),
            input: .none, output: try Output.file(log), error: .combinedWithOutput
        ) { execution in
            do {
                try await body(URL(string: "http://127.0.0.1:\(try await listeningPort(in: log))")!)
            } catch {
                try? execution.send(signal: .terminate)
                throw error
            }
            try execution.send(signal: .terminate)
        }
        return serve.terminationStatus
    }

    private static func jti(of client: String, api: URL) async throws -> String {
        let answer = try await HTTP.get(api.appending(path: "api/v1/clients/\(client)"))
        let claims = ((answer.json["token"] as? [String: Any])?["claims"] as? [String: Any])
        guard let jti = claims?["jti"] as? String else { throw TestFailure("\(client) holds no token yet: \(answer.text)") }
        return jti
    }
}
