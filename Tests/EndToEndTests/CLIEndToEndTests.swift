import Foundation
import Testing

/// The scriptable CLI, run as a script would run it.
@Suite("The CLI contract")
struct CLIEndToEndTests {
    /// An empty home (and working directory) with no configuration anywhere: scripts get the
    /// embedded demo only with --demo.
    func emptyHome() throws -> [String: String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return ["HOME": directory.path, "XDG_CONFIG_HOME": directory.path + "/config"]
    }

    @Test("check --json on the demo reports each client, and exits 1 because some are meant to fail")
    func checkJSON() async throws {
        let result = try await runTokentop(["check", "--demo", "--json"], environment: try emptyHome())
        #expect(result.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let clients = try #require(document["clients"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: clients.map { ($0["name"] as? String ?? "", $0) })
        let healthy = try #require(byName["mod-client"])
        #expect(healthy["status"] as? String == "ok")
        #expect(healthy["verdict"] as? String == "ok")
        #expect((healthy["reason"] as? String)?.contains("API 200") == true)
        let token = try #require(healthy["token"] as? [String: Any])
        #expect(token["format"] as? String == "jwt")
        #expect((token["signature"] as? [String: Any])?["status"] as? String == "verified")
        #expect((healthy["resource"] as? [String: Any])?["status"] as? Int == 200)
        #expect(healthy["error"] == nil)
        let rejected = try #require(byName["wrong-secret"])
        #expect(rejected["status"] as? String == "error")
        #expect(rejected["verdict"] as? String == "error")
        // A one-shot check makes no retry, so it promises none; the next step says what to do.
        #expect((rejected["reason"] as? String)?.contains("retries stopped") == false)
        #expect((rejected["next_step"] as? String)?.contains("update client-secret") == true)
        #expect((rejected["error"] as? [String: Any])?["code"] as? String == "invalid_client")
        #expect((rejected["error"] as? [String: Any])?["http_status"] as? Int == 401)
        #expect(rejected["token"] == nil)
        // The token is fine but the API refuses it: never "ok".
        let forbidden = try #require(byName["no-mod-scope"])
        #expect((forbidden["resource"] as? [String: Any])?["status"] as? Int == 403)
        #expect(forbidden["status"] as? String == "error")
        #expect(forbidden["verdict"] as? String == "degraded")
        #expect(forbidden["reason"] as? String == "API 403 insufficient_scope: token lacks custom_mod")
        #expect((forbidden["resource"] as? [String: Any])?["at"] is String)
    }

    @Test("check --deep names the cause with its evidence; --events-file gets the round's events as JSON lines, no token")
    func deepCheckAndEvents() async throws {
        let home = try emptyHome()
        let events = home["HOME"]! + "/events.jsonl"
        let result = try await runTokentop(
            ["check", "--demo", "--deep", "--json", "--events-file", events, "no-mod-scope", "mod-client"], environment: home)
        #expect(result.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let clients = try #require(document["clients"] as? [[String: Any]])
        let forbidden = try #require(clients.first { $0["name"] as? String == "no-mod-scope" })
        let diagnosis = try #require((forbidden["diagnoses"] as? [[String: Any]])?.first)
        #expect(diagnosis["cause"] as? String == "missing_scope")
        #expect((diagnosis["evidence"] as? [String])?.contains { $0.contains("insufficient_scope") } == true)
        #expect((forbidden["key_set"] as? [String: Any])?["token_kid"] is String)
        let healthy = try #require(clients.first { $0["name"] as? String == "mod-client" })
        #expect((healthy["diagnoses"] as? [Any])?.isEmpty == true)
        #expect((healthy["events"] as? [[String: Any]])?.contains { $0["event"] as? String == "token_fetched" } == true)

        let lines = try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 4)
        for line in lines {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(event["at"] is String && event["client"] is String && event["event"] is String)
            #expect(!line.contains("eyJ"), "a token reached the events file")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: events)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test("check of healthy clients only exits 0")
    func checkHealthy() async throws {
        let result = try await runTokentop(
            ["check", "--demo", "mod-client", "jwt-client", "post-client"], environment: try emptyHome())
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("mod-client"))
        #expect(!result.stdout.contains("wrong-secret"))
    }

    @Test(
        "without a configuration, scripts do not silently get the demo: exit 2, saying where it looked",
        arguments: [
            ["check"], ["token", "mod-client"], ["introspect", "mod-client"], ["revoke", "mod-client"],
        ])
    func noSilentDemo(arguments: [String]) async throws {
        let result = try await runTokentop(arguments, environment: try emptyHome())
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("no configuration found"))
        #expect(result.stderr.contains("--demo"))
        #expect(result.stderr.contains("TOKENTOP_CONFIG"))
    }

    @Test("a broken configuration file exits 2 with file, line and key")
    func brokenConfiguration() async throws {
        let home = try emptyHome()
        let file = home["HOME"]! + "/broken.yaml"
        try "clients:\n  a:\n    client-id: x\n    token-uri: http://127.0.0.1:1/t\n    client-secret: s\n    pol-interval: 5s\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await runTokentop(["check", "--config", file], environment: home)
        #expect(result.status == 2)
        #expect(result.stderr.contains("broken.yaml:6"))
        #expect(result.stderr.contains("poll-interval"))
        #expect(result.stdout.isEmpty)
    }

    @Test("check refuses keys: and theme: the dashboard would refuse, at their line, with a suggestion")
    func frontEndSettingsAtLoad() async throws {
        let home = try emptyHome()
        let file = home["HOME"]! + "/frontend.yaml"
        try """
        theme: drak
        keys:
          refrsh: f
        clients:
          a:
            client-id: x
            token-uri: http://127.0.0.1:1/t
            client-secret: s
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await runTokentop(["check", "--config", file], environment: home)
        #expect(result.status == 2)
        #expect(result.stderr.contains("frontend.yaml:1:8: theme"))
        #expect(result.stderr.contains("did you mean `dark`"))
        #expect(result.stderr.contains("frontend.yaml:3:3: keys.refrsh"))
        #expect(result.stderr.contains("did you mean `refresh`"))
        #expect(result.stdout.isEmpty)
    }

    @Test(
        "demo-server --jwks-max-age takes 1s to 1d; anything else is a usage error naming the range",
        arguments: ["0s", "2d", "soon"])
    func jwksMaxAgeRange(value: String) async throws {
        let result = try await runTokentop(["demo-server", "--jwks-max-age", value], environment: try emptyHome())
        #expect(result.status == 2)
        #expect(result.stderr.contains("--jwks-max-age"), "\(result.stderr)")
    }

    @Test("an unknown client name is a usage error, exit 2, listing the names there are")
    func unknownClient() async throws {
        let result = try await runTokentop(["token", "--demo", "nope"], environment: try emptyHome())
        #expect(result.status == 2)
        #expect(result.stderr.contains("mod-client"))
    }

    @Test("token prints the raw token alone, and decode reads it from stdin")
    func tokenThenDecode() async throws {
        let home = try emptyHome()
        let token = try await runTokentop(["token", "--demo", "mod-client"], environment: home)
        #expect(token.status == 0)
        let raw = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(raw.split(separator: ".").count == 3)
        #expect(!raw.contains(" "))
        let decoded = try await runTokentop(["decode", "--json"], stdin: raw, environment: home)
        #expect(decoded.status == 0)
        #expect(
            decoded.stdout.contains("\"client_id\" : \"mod-client\"") || decoded.stdout.contains("\"client_id\":\"mod-client\""))
        #expect(decoded.stdout.contains("unverified"))
    }

    @Test("decode of garbage says it is not a JWT and exits 1")
    func decodeGarbage() async throws {
        let result = try await runTokentop(["decode", "not-a-token"], environment: try emptyHome())
        #expect(result.status == 1)
        #expect(result.stdout.contains("opaque"))
    }

    @Test("--version prints the version and exits 0")
    func version() async throws {
        let result = try await runTokentop(["--version"], environment: try emptyHome())
        #expect(result.status == 0)
        #expect(
            result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).range(
                of: #"^\d+\.\d+\.\d+$"#, options: .regularExpression) != nil)
    }

    @Test("a usage mistake exits 2")
    func usageError() async throws {
        let result = try await runTokentop(["check", "--no-such-flag"], environment: try emptyHome())
        #expect(result.status == 2)
    }
}
