import Foundation
import Testing

/// The credentials behind each token, counted down by the real binary against the demo.
@Suite("Credential countdowns end to end")
struct CredentialEndToEndTests {
    @Test("check --json lists the mTLS certificate and the secret's end; the warning window and an ended secret set the verdict")
    func checkCountsDown() async throws {
        let demo = try await DemoServerProcess.start(arguments: ["--tls"])
        var yaml = try String(contentsOfFile: demo.configPath, encoding: .utf8)
        // The demo's client certificate lives a year: a 400-day window puts it inside.
        yaml = yaml.replacingOccurrences(of: "defaults:\n", with: "defaults:\n  credential-warning: 400d\n")
        yaml = yaml.replacingOccurrences(
            of: "\n  mod-client:\n", with: "\n  mod-client:\n    client-secret-expires-at: 2020-01-01\n")
        let config = demo.directory.appendingPathComponent("credentials.yaml").path
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o600)

        let result = try await runTokentop(
            ["check", "--config", config, "--json", "mtls-client", "mod-client"], environment: ["HOME": demo.directory.path])
        #expect(result.status == 1, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let clients = try #require(document["clients"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: clients.map { ($0["name"] as? String ?? "", $0) })

        let mtls = try #require(byName["mtls-client"])
        let certificate = try #require((mtls["credentials"] as? [[String: Any]])?.first)
        #expect(certificate["kind"] as? String == "certificate")
        #expect(certificate["subject"] as? String == "CN=mtls-client")
        let end = try #require((certificate["expires_at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(abs(end.timeIntervalSinceNow - 365 * 86_400) < 86_400)
        #expect(mtls["verdict"] as? String == "degraded")
        let reason = try #require(mtls["reason"] as? String)
        #expect(reason.contains("client certificate expires in 36") && reason.contains("(CN=mtls-client)"), "\(reason)")
        #expect(mtls["token"] != nil, "the token itself is fine")

        let mod = try #require(byName["mod-client"])
        #expect(mod["verdict"] as? String == "error")
        #expect((mod["reason"] as? String)?.hasPrefix("client secret expired ") == true, "\(mod["reason"] ?? "")")
        let secret = try #require((mod["credentials"] as? [[String: Any]])?.first)
        #expect(secret["kind"] as? String == "secret")
        #expect(secret["expires_at"] as? String == "2020-01-01T00:00:00Z")
        #expect(!result.stdout.contains(try demo.setting("client-secret", of: "mod-client")), "the secret is never shown")
        try await demo.stop()
    }
}

/// `demo-server --federated-issuer` and a client with `client-assertion-file`, on the real binary.
@Suite("Federated client assertions end to end")
struct FederatedAssertionEndToEndTests {
    @Test(
        "the written federated-client gets a token with the demo's assertion; check shows iss, sub, aud and exp, never the assertion"
    )
    func federatedClient() async throws {
        let demo = try await DemoServerProcess.start(arguments: ["--federated-issuer", "https://ci.example/oidc"])
        let assertionFile = try demo.setting("client-assertion-file", of: "federated-client")
        let assertion = try String(contentsOfFile: assertionFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try await runTokentop(
            ["check", "--config", demo.configPath, "--json", "federated-client"], environment: ["HOME": demo.directory.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let client = try #require((document["clients"] as? [[String: Any]])?.first)
        #expect(client["verdict"] as? String == "ok", "\(client["reason"] ?? "")")
        let credential = try #require((client["credentials"] as? [[String: Any]])?.first)
        #expect(credential["kind"] as? String == "assertion")
        #expect(credential["subject"] as? String == "system:serviceaccount:demo:federated-client")
        #expect(credential["iss"] as? String == "https://ci.example/oidc")
        #expect(credential["aud"] as? String == "api://AzureADTokenExchange")
        #expect(credential["expires_at"] is String)
        #expect(!result.stdout.contains(assertion) && !result.stderr.contains(assertion), "the assertion is never shown")
        try await demo.stop()
    }
}
