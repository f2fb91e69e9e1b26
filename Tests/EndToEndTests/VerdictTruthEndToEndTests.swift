import Foundation
import Testing
import TokenConfig
import TokenTesting

/// The verdict on the real binary in the cases that once went wrong: the seed tutorial's own
/// files read as degraded, and a restarted demo named an audience mismatch it had no evidence for.
@Suite("The verdict is the truth on the real binary", .serialized)
struct VerdictTruthEndToEndTests {
    /// The tutorial's two Spring files with the demo's addresses and mod-client's id in place of Okta's.
    static func tutorialFiles(for demo: DemoServerProcess, into folder: URL) throws -> (paths: [String], secret: String) {
        let loaded = try ConfigurationLoader.parse(
            yaml: String(contentsOfFile: demo.configPath, encoding: .utf8), path: demo.configPath, environment: [:])
        let client = try #require(loaded.configuration.client(named: "mod-client"))
        guard case .inline(let secret) = client.clientSecret, let token = client.tokenURI,
            let introspection = client.introspectionURI,
            let resource = client.resourceURI
        else { throw E2EError("the demo's mod-client lacks a secret, token-uri, introspection-uri or resource-uri") }
        var base = resource.absoluteString
        base.removeLast("/mod".count)
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SpringConfigTests/Fixtures/tutorial")
        var paths: [String] = []
        for name in ["mod", "client"] {
            var text = try String(contentsOf: fixtures.appendingPathComponent("\(name)/application.yml"), encoding: .utf8)
            for (from, to) in [
                ("0oabcd12yz2EpHuis75s3", client.clientID),
                ("https://dev-123.okta.com/oauth2/default/v1/introspect", introspection.absoluteString),
                ("https://dev-123.okta.com/oauth2/default/v1/token", token.absoluteString), ("http://localhost:8080", base),
            ] {
                text = text.replacingOccurrences(of: from, with: to)
            }
            let path = folder.appendingPathComponent("\(name)-application.yml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        return (paths, secret)
    }

    @Test(
        "the seed tutorial's two files through check --spring: ok, exit 0, the key set found from the token-uri, introspection active, /mod 200"
    )
    func seedFiles() async throws {
        let demo = try await DemoServerProcess.start()
        let (paths, secret) = try Self.tutorialFiles(for: demo, into: demo.directory)
        let home = [
            "HOME": demo.directory.path, "XDG_CONFIG_HOME": demo.directory.path + "/config", "OKTA_CLIENT_SECRET": secret,
        ]
        let run = try await runTokentop(
            ["check", "--spring", paths[0], "--spring", paths[1], "--resource-path", "/mod", "--introspect", "--json"],
            environment: home)
        #expect(run.status == 0, "stderr: \(run.stderr)\nstdout: \(run.stdout)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let client = try #require((document["clients"] as? [[String: Any]])?.first)
        #expect(client["verdict"] as? String == "ok", "\(client)")
        // No jwk-set-uri nor issuer-uri in the files: the key set is discovered from the Okta-shaped token-uri.
        let signature = try #require((client["token"] as? [String: Any])?["signature"] as? [String: Any])
        #expect(signature["status"] as? String == "verified", "\(signature)")
        #expect((client["introspection"] as? [String: Any])?["active"] as? Bool == true)
        #expect((client["resource"] as? [String: Any])?["status"] as? Int == 200)
        // README writes --spring PATH…: both files after one --spring read the same, a client name after them too.
        let together = try await runTokentop(
            ["check", "--spring", paths[0], paths[1], "--resource-path", "/mod", "--json"], environment: home)
        #expect(together.status == 0, "stderr: \(together.stderr)\nstdout: \(together.stdout)")
        let name = try #require(client["name"] as? String)
        let named = try await runTokentop(
            ["check", "--spring", paths[0], paths[1], name, "--resource-path", "/mod"], environment: home)
        #expect(named.status == 0, "stderr: \(named.stderr)\nstdout: \(named.stdout)")
        #expect(named.stdout.contains(name))
        try await demo.stop()
    }

    @Test(
        "a demo restarted under the dashboard (new keys, new secrets): credentials_rejected and key_rotation, never an audience mismatch"
    )
    func restartedDemo() async throws {
        var demo = try await DemoServerProcess.start()
        let yaml = try String(contentsOfFile: demo.configPath, encoding: .utf8)
        let authorization = try #require(yaml.firstMatch(of: /token-uri: http:\/\/127\.0\.0\.1:(\d+)\//).map { String($0.1) })
        let resource = try #require(yaml.firstMatch(of: /resource-uri: http:\/\/127\.0\.0\.1:(\d+)\//).map { String($0.1) })
        let configPath = demo.configPath
        let session = try TmuxSession(arguments: ["--config", configPath])
        try await session.waitForScreen("mod-client ok") {
            DashboardEndToEndTests.line(of: "mod-client", in: $0)?.contains("✔ ok") == true
        }
        try await DiagnosisDashboardTests.select("mod-client", in: session)
        // The same ports, new keys and new secrets: the configuration the dashboard holds is now wrong.
        try await demo.stop()
        demo = try await DemoServerProcess.start(arguments: ["--port", authorization, "--resource-port", resource])
        try await session.send("r")
        try await session.waitForScreen("the refresh refused", timeout: 30) {
            DashboardEndToEndTests.line(of: "mod-client", in: $0)?.contains("✔ ok") == false && $0.contains("invalid_client")
        }
        try await session.send("d")
        let diagnosed = try await session.waitForScreen("d's answer", timeout: 30) { $0.contains("diagnose mod-client: ") }
        #expect(diagnosed.contains("credentials_rejected"), "\(diagnosed)")
        #expect(
            !diagnosed.contains("audience_or_issuer_mismatch") && !diagnosed.contains("api_refuses_valid_token"), "\(diagnosed)")
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        try await demo.stop()
    }
}
