import DemoServer
import Foundation
import Subprocess
import Testing
import TokenTesting

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// SIGHUP to `tokentop serve` reads the configuration again, as daemons do (Prometheus itself,
/// nginx): unchanged clients keep their tokens, a broken file leaves the running one in place.
@Suite("serve reloads its configuration on SIGHUP")
struct ReloadOnHangUpTests {
    @Test("SIGHUP drops a removed client, keeps the others' tokens, and survives a broken file")
    func hangUpReloads() async throws {
        var options = DemoServerOptions()
        options.clients = [
            DemoClientSpec(name: "alpha", scopes: [DemoClientSpec.modScope]),
            DemoClientSpec(name: "beta", scopes: [DemoClientSpec.modScope]),
        ]
        try await withDemoAndFolder(options) { demo, directory in try await run(demo, in: directory) }
    }

    private func run(_ demo: DemoEnvironment, in directory: URL) async throws {
        let configuration = directory.appending(path: "tokentop.yaml")
        let full = try demo.configurationYAML()
        try write(full, to: configuration)
        let log = directory.appending(path: "serve.log")
        let serve = try await Subprocess.run(
            .path(FilePath(try Binary.tokentop().path)),
            arguments: ["serve", "--config", configuration.path, "--listen", "127.0.0.1:0"],
            input: .none, output: try Output.file(log), error: .combinedWithOutput
        ) { execution in
            let api = URL(string: "http://127.0.0.1:\(try await listeningPort(in: log))")!
            var alphaJTI: String?
            try await eventually("both clients hold a token", within: 30) {
                let clients = try await Self.clients(api)
                alphaJTI = Self.jti(clients["alpha"])
                return alphaJTI != nil && Self.jti(clients["beta"]) != nil
            }

            try write(Self.only("alpha", in: full), to: configuration)
            try execution.send(signal: Signal(rawValue: SIGHUP))
            try await eventually("beta gone after SIGHUP", within: 15) {
                try await Self.clients(api).keys.sorted() == ["alpha"]
            }
            #expect(Self.jti(try await Self.clients(api)["alpha"]) == alphaJTI, "alpha's token was not kept")
            // A removed client's gauges go with it, so its last verdict cannot keep an alert firing.
            let metrics = try await HTTP.get(api.appending(path: "metrics")).text
            #expect(metrics.contains(#"tokentop_health_state{client="alpha""#))
            #expect(!metrics.contains(#"tokentop_health_state{client="beta""#))
            #expect(Exposition(metrics).values("tokentop_clients") == [1])

            try write("clients:\n  alpha: [unclosed\n", to: configuration)
            try execution.send(signal: Signal(rawValue: SIGHUP))
            try await eventually("the failed reload logged", within: 15) {
                ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("reload failed")
            }
            #expect(try await Self.clients(api).keys.sorted() == ["alpha"])
            #expect(try await HTTP.get(api.appending(path: "healthz")).status == 200)
            try execution.send(signal: .terminate)
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(serve.terminationStatus == .exited(0), "\(text)")
        #expect(text.contains("configuration reloaded"), "\(text)")
        // The error names the file and line, like every configuration error.
        #expect(text.contains("tokentop.yaml:3:1: invalid YAML"), "\(text)")
    }

    @Test(
        "a configuration directory is read again on SIGHUP: a team's file added, a name defined twice refused naming both files")
    func hangUpReadsTheDirectory() async throws {
        var options = DemoServerOptions()
        options.clients = [
            DemoClientSpec(name: "alpha", scopes: [DemoClientSpec.modScope]),
            DemoClientSpec(name: "beta", scopes: [DemoClientSpec.modScope]),
        ]
        try await withDemoAndFolder(options) { demo, directory in try await runDirectory(demo, in: directory) }
    }

    private func runDirectory(_ demo: DemoEnvironment, in directory: URL) async throws {
        let folder = directory.appending(path: "conf.d")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        let full = try demo.configurationYAML()
        try write(Self.only("alpha", in: full), to: folder.appending(path: "10-alpha.yaml"))
        let log = directory.appending(path: "serve.log")
        let serve = try await Subprocess.run(
            .path(FilePath(try Binary.tokentop().path)),
            arguments: ["serve", "--config", folder.path, "--listen", "127.0.0.1:0"],
            input: .none, output: try Output.file(log), error: .combinedWithOutput
        ) { execution in
            let api = URL(string: "http://127.0.0.1:\(try await listeningPort(in: log))")!
            var alphaJTI: String?
            try await eventually("alpha holds a token", within: 30) {
                alphaJTI = Self.jti(try await Self.clients(api)["alpha"])
                return alphaJTI != nil
            }
            #expect(try await Self.clients(api).keys.sorted() == ["alpha"])

            try write(Self.only("beta", in: full), to: folder.appending(path: "20-beta.yaml"))
            try execution.send(signal: Signal(rawValue: SIGHUP))
            try await eventually("beta added from its own file after SIGHUP", within: 30) {
                let clients = try await Self.clients(api)
                return clients.keys.sorted() == ["alpha", "beta"] && Self.jti(clients["beta"]) != nil
            }
            #expect(Self.jti(try await Self.clients(api)["alpha"]) == alphaJTI, "alpha's token was not kept")

            try write(Self.only("alpha", in: full), to: folder.appending(path: "30-copy.yaml"))
            try execution.send(signal: Signal(rawValue: SIGHUP))
            try await eventually("the failed reload logged", within: 15) {
                ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("reload failed")
            }
            #expect(try await Self.clients(api).keys.sorted() == ["alpha", "beta"])
            try execution.send(signal: .terminate)
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(serve.terminationStatus == .exited(0), "\(text)")
        // Both files named (the log shortens the directory's path to its name, as for a file).
        #expect(text.contains(#/client alpha is defined in \S*10-alpha\.yaml and again in \S*30-copy\.yaml/#), "\(text)")
    }

    private func write(_ text: String, to file: URL) throws {
        try text.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
    }

    /// `/api/v1/clients` by client name.
    private static func clients(_ api: URL) async throws -> [String: [String: Any]] {
        let answer = try await HTTP.get(api.appending(path: "api/v1/clients"))
        let list = answer.json["clients"] as? [[String: Any]] ?? []
        return Dictionary(list.compactMap { client in (client["name"] as? String).map { ($0, client) } }) { first, _ in first }
    }

    private static func jti(_ client: [String: Any]?) -> String? {
        ((client?["token"] as? [String: Any])?["claims"] as? [String: Any])?["jti"] as? String
    }

    /// The demo's configuration with only the named client's block under `clients:`.
    private static func only(_ name: String, in yaml: String) -> String {
        var kept: [Substring] = []
        var inKeptClient = true
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  ") && !line.hasPrefix("    ") {
                inKeptClient = line.contains(name)
            }
            if !line.hasPrefix("  ") || inKeptClient { kept.append(line) }
        }
        return kept.joined(separator: "\n")
    }
}
