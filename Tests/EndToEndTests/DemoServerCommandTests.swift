import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `tokentop demo-server` as a separate process, driven by the CLI as a script would.
@Suite("tokentop demo-server with the CLI against it")
struct DemoServerCommandTests {
    @Test("--write-config gives a configuration that check, token, decode, revoke and introspect use")
    func writeConfigRoundTrip() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("demo.yaml").path
        let pid = try spawn(
            [try TmuxSession.binary().path, "demo-server", "--write-config", config],
            output: directory.appendingPathComponent("server.log").path)
        var stopped = false
        defer {
            if !stopped {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
            }
        }

        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: config), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: config)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let home = ["HOME": directory.path, "XDG_CONFIG_HOME": directory.path + "/config"]

        let check = try await runTokentop(["check", "--config", config, "--json"], environment: home)
        #expect(check.status == 1)
        #expect(check.stdout.contains("\"invalid_client\""))
        #expect(
            try await runTokentop(["check", "--config", config, "mod-client", "post-client", "jwt-client"], environment: home)
                .status == 0)

        let token = try await runTokentop(["token", "mod-client", "--config", config], environment: home)
        #expect(token.status == 0)
        let yaml = try String(contentsOfFile: config, encoding: .utf8)
        let jwks = try #require(yaml.firstMatch(of: /jwk-set-uri: "?([^"\s]+)"?/)?.1)
        let issuer = try #require(yaml.firstMatch(of: /issuer-uri: "?([^"\s]+)"?/)?.1)
        let verified = try await runTokentop(
            ["decode", "--jwks", String(jwks), "--issuer", String(issuer), "--audience", "api://default"],
            stdin: token.stdout, environment: home)
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.contains("signature: verified"))
        let wrongIssuer = try await runTokentop(
            ["decode", "--jwks", String(jwks), "--issuer", "https://elsewhere.example"], stdin: token.stdout, environment: home)
        #expect(wrongIssuer.status == 1)
        #expect(wrongIssuer.stdout.contains("expected \"https://elsewhere.example\""))

        let raw = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let active = try await runTokentop(["introspect", "mod-client", raw, "--config", config], environment: home)
        #expect(active.status == 0)
        #expect(active.stdout.contains("\"active\" : true"))
        let revoke = try await runTokentop(["revoke", "mod-client", raw, "--config", config], environment: home)
        #expect(revoke.status == 0)
        #expect(!revoke.stdout.contains(raw))
        let inactive = try await runTokentop(["introspect", "mod-client", raw, "--config", config], environment: home)
        #expect(inactive.status == 1)
        #expect(inactive.stdout.contains("\"active\" : false"))

        kill(pid, SIGTERM)
        #expect(try await waitForExit(of: pid, what: "demo-server after SIGTERM") == 0)
        stopped = true
    }

    @Test(
        "SIGTERM, SIGINT and SIGHUP each stop it cleanly and remove its folder of private keys",
        arguments: [SIGTERM, SIGINT, SIGHUP])
    func signalsRemoveKeys(signal: Int32) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-demo-signal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let output = scratch.appendingPathComponent("server.log").path
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = scratch.path
        let pid = try spawn([try TmuxSession.binary().path, "demo-server"], output: output, environment: environment)
        var stopped = false
        defer {
            if !stopped {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
            }
        }
        let deadline = Date().addingTimeInterval(30)
        while !((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("Serving until"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try SignalEndToEndTests.demoFolders(in: scratch).count == 1, "the demo's key folder was not made")

        kill(pid, signal)
        #expect(try await waitForExit(of: pid, what: "demo-server after signal \(signal)") == 0)
        stopped = true
        #expect(try SignalEndToEndTests.demoFolders(in: scratch).isEmpty, "the private keys were left behind")
    }

    @Test("--write-spring-config gives an application.yml that check --spring passes against")
    func springRoundTrip() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let spring = directory.appendingPathComponent("application.yml").path
        let pid = try spawn(
            [try TmuxSession.binary().path, "demo-server", "--write-spring-config", spring],
            output: directory.appendingPathComponent("server.log").path)
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: spring), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = try String(contentsOfFile: spring, encoding: .utf8)
        #expect(text.contains("spring:"))
        #expect(text.contains("client-credentials") || text.contains("client_credentials"))
        let home = ["HOME": directory.path, "XDG_CONFIG_HOME": directory.path + "/config"]
        let check = try await runTokentop(["check", "--spring", spring, "mod-client", "post-client"], environment: home)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("mod-client"))
        let all = try await runTokentop(["check", "--spring", spring, "--json"], environment: home)
        #expect(all.status == 1)
        #expect(all.stdout.contains("\"invalid_client\""))
    }
}
