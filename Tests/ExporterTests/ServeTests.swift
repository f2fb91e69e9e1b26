import DemoServer
import Foundation
import MetricsExporter
import Testing
import TokenModel

/// `tokentop serve`'s endpoints, served in-process in front of a real token manager and the
/// embedded demo servers.
@Suite("serve endpoints")
struct ServeTests {
    /// Waits until every demo client has a verdict other than pending, as the API reports it.
    /// The listing once no client is pending. A debug `serve` beside seven other tests (a
    /// `make dist` packing 300 MB among them) has taken over 15 s to get there (seen in CI, three
    /// times in twenty runs), so the wait is long, and a failure names who was still pending and why.
    private func settled(_ serve: Serve) async throws -> [[String: Any]] {
        var clients: [[String: Any]] = []
        var pending: [String] = []
        do {
            try await eventually("every client settled", within: 45) {
                clients = try await HTTP.get(serve.url("api/v1/clients")).json["clients"] as? [[String: Any]] ?? []
                pending = clients.filter { $0["verdict"] as? String == "pending" }.map {
                    "\($0["name"] as? String ?? "?"): \($0["reason"] as? String ?? "?")"
                }
                return !clients.isEmpty && pending.isEmpty
            }
        } catch {
            Issue.record("still pending: \(pending)")
            throw error
        }
        return clients
    }

    @Test(
        "/metrics passes promtool check metrics and shows each client's token, health and fetches",
        .enabled(if: Tools.promtool != nil, Tools.missingMessage))
    func metricsPassPromtool() async throws {
        try await withServe { serve, demo in
            _ = try await settled(serve)
            let answer = try await HTTP.get(serve.url("metrics"))
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)

            let lint = try await Tools.run(Tools.promtool!, ["check", "metrics"], input: answer.text)
            #expect(lint.succeeded, "\(lint)")
            #expect(lint.output.isEmpty, "promtool found problems: \(lint.output)")

            let metrics = Exposition(answer.text)
            let issuer = demo.issuer.absoluteString
            let modClient = ["client": "mod-client", "issuer": issuer]
            let expiry = try #require(metrics.values("tokentop_token_expiry_timestamp_seconds", modClient).first)
            let heldExpiry = try #require(
                await serve.manager.snapshot().clients.first { $0.name == "mod-client" }?.token?.expiresAt)
            #expect(expiry == heldExpiry.timeIntervalSince1970)
            #expect(metrics.values("tokentop_health_state", modClient.merging(["state": "ok"]) { $1 }) == [1])
            #expect(metrics.values("tokentop_health_state", modClient.merging(["state": "error"]) { $1 }) == [0])
            // wrong-secret: invalid_client stops retries; the error code is a label, the verdict error.
            let wrongSecret = ["client": "wrong-secret"]
            #expect(metrics.values("tokentop_retries_halted", wrongSecret) == [1])
            #expect(metrics.values("tokentop_health_state", wrongSecret.merging(["state": "error"]) { $1 }) == [1])
            #expect(
                metrics.values(
                    "tokentop_token_fetches_total",
                    wrongSecret.merging(["outcome": "error", "error": "invalid_client", "reason": "startup"]) { $1 }) == [1])
            #expect(
                metrics.values(
                    "tokentop_token_fetches_total",
                    modClient.merging(["outcome": "success", "error": "none", "reason": "startup"]) { $1 }) == [1])
            #expect(
                metrics.values("tokentop_token_fetch_duration_seconds_count", ["issuer": issuer, "outcome": "success"]).first ?? 0
                    >= 4)
            #expect(metrics.values("tokentop_clients") == [Double(demo.clients.count)])
            #expect(metrics.values("tokentop_build_info", ["version": "test"]) == [1])
            // The key set as the clients fetched it: its size, and no change yet.
            let published = try #require(
                await serve.manager.snapshot().clients.first { $0.name == "mod-client" }?.keySet?.keys.count)
            #expect(published > 0)
            #expect(metrics.values("tokentop_jwks_keys", ["issuer": issuer]) == [Double(published)])
            #expect(metrics.values("tokentop_jwks_key_changes_total", ["issuer": issuer, "change": "added"]) == [0])
            #expect(metrics.values("tokentop_jwks_key_changes_total", ["issuer": issuer, "change": "removed"]) == [0])
        }
    }

    @Test("neither /metrics nor /api/v1/clients contains a token or a client secret")
    func noSecretsServed() async throws {
        try await withServe { serve, demo in
            _ = try await settled(serve)
            var secrets: [String] = demo.clients.compactMap(\.secret) + [demo.adminToken]
            for client in demo.clients {
                guard let token = await serve.manager.heldToken(for: client.name) else { continue }
                // The whole token, and its signature and payload on their own.
                secrets.append(token)
                secrets += token.split(separator: ".").dropFirst().map(String.init)
            }
            // The private_key_jwt client's key, line by line.
            for client in demo.clients {
                guard let keyFile = client.privateKeyFile else { continue }
                let pem = try String(contentsOfFile: keyFile, encoding: .utf8)
                secrets += pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
            }
            #expect(secrets.count > demo.clients.count + 5, "the test found tokens to look for")
            for path in ["metrics", "api/v1/clients", "api/v1/clients/mod-client"] {
                let body = try await HTTP.get(serve.url(path)).text
                #expect(!body.isEmpty)
                // The client objects carry their whole snapshot, for attached dashboards: it is searched too.
                if path.hasPrefix("api") { #expect(body.contains("\"snapshot\"")) }
                for secret in secrets where secret.count >= 8 {
                    #expect(!body.contains(secret), "\(path) contains a secret or token (\(Redaction.mask(secret)))")
                }
            }
        }
    }

    @Test("/api/v1/clients has the check --json shape, with each client's history")
    func clientsDocument() async throws {
        try await withServe { serve, demo in
            let clients = try await settled(serve)
            #expect(clients.map { $0["name"] as? String } == demo.clients.map(\.name))
            let mod = try #require(clients.first { $0["name"] as? String == "mod-client" })
            #expect(mod["status"] as? String == "ok")
            let token = try #require(mod["token"] as? [String: Any])
            #expect(token["format"] as? String == "jwt")
            #expect((token["claims"] as? [String: Any])?["iss"] as? String == demo.issuer.absoluteString)
            #expect((token["masked"] as? String)?.contains("…") == true)
            let history = try #require(mod["history"] as? [[String: Any]])
            #expect(history.first?["reason"] as? String == "startup")
            #expect(history.first?["status"] as? String == "ok")
            let wrong = try #require(clients.first { $0["name"] as? String == "wrong-secret" })
            #expect(wrong["status"] as? String == "error")
            #expect((wrong["error"] as? [String: Any])?["code"] as? String == "invalid_client")
            #expect(wrong["verdict"] as? String == "error")
            #expect(wrong["retries_halted"] as? Bool == true)
            // The same next step as check and the dashboard, from the same function.
            #expect((wrong["next_step"] as? String)?.hasPrefix("the secret or key is wrong or was rotated") == true)
            // In the service's words: its reload, not check's second run nor the dashboard's key.
            #expect(
                (wrong["next_step"] as? String)?.hasSuffix("then reload serve (systemctl reload tokentop, or SIGHUP)") == true)
            #expect(mod["next_step"] == nil)
            // The snapshot an attached dashboard draws, beside the check --json fields.
            let snapshot = try #require(mod["snapshot"] as? [String: Any])
            #expect(snapshot["name"] as? String == "mod-client")
            #expect((snapshot["token"] as? [String: Any])?["masked"] as? String == token["masked"] as? String)
            #expect((snapshot["history"] as? [Any])?.count == history.count)
            let document = try await HTTP.get(serve.url("api/v1/clients")).json
            #expect(document["actions_allowed"] as? Bool == false)

            let missing = try await HTTP.get(serve.url("api/v1/clients/nobody"))
            #expect(missing.status == 404)
        }
    }

    @Test("with a bearer token configured, every endpoint but /healthz requires it")
    func bearerTokenRequired() async throws {
        let token = "scrape-" + UUID().uuidString
        try await withServe(authToken: token) { serve, _ in
            for path in ["metrics", "api/v1/clients"] {
                let anonymous = try await HTTP.get(serve.url(path))
                #expect(anonymous.status == 401)
                #expect(anonymous.headers["www-authenticate"] == "Bearer realm=\"tokentop\"")
                #expect(try await HTTP.get(serve.url(path), bearer: token + "x").status == 401)
                #expect(try await HTTP.get(serve.url(path), bearer: String(token.dropLast())).status == 401)
                #expect(try await HTTP.get(serve.url(path), bearer: token).status == 200)
            }
            let health = try await HTTP.get(serve.url("healthz"))
            #expect(health.status == 200)
            #expect(health.text == "ok\n")
        }
    }

    @Test("refresh and revoke answer 403 unless actions are allowed, and work when they are")
    func actionsNeedPermission() async throws {
        try await withServe { serve, _ in
            _ = try await settled(serve)
            let refused = try await HTTP.post(serve.url("api/v1/clients/mod-client/refresh"))
            #expect(refused.status == 403)
            #expect((refused.json["error_description"] as? String)?.contains("--allow-actions") == true)
            #expect(try await HTTP.post(serve.url("api/v1/clients/mod-client/revoke")).status == 403)
        }
        try await withServe(allowActions: true) { serve, demo in
            _ = try await settled(serve)
            let refreshed = try await HTTP.post(serve.url("api/v1/clients/mod-client/refresh"))
            #expect(refreshed.status == 200, "\(refreshed.text)")
            let record = (refreshed.json["actions"] as? [[String: Any]])?.first
            #expect(record?["action"] as? String == "refresh")
            #expect(record?["succeeded"] as? Bool == true, "\(refreshed.text)")
            #expect(try await HTTP.post(serve.url("api/v1/clients/nobody/refresh")).status == 404)
            #expect(try await HTTP.post(serve.url("api/v1/clients/mod-client/dance")).status == 404)
            try await eventually("the manual refresh counted") {
                let metrics = Exposition(try await HTTP.get(serve.url("metrics")).text)
                return metrics.values(
                    "tokentop_token_fetches_total",
                    ["client": "mod-client", "reason": "manual", "outcome": "success"]) == [1]
                    && metrics.values(
                        "tokentop_operator_actions_total",
                        ["client": "mod-client", "action": "refresh", "outcome": "success"]) == [1]
            }
        }
    }

    @Test("a key rotation shows as one signing key change of the issuer once a client's new token uses the new key")
    func signingKeyChanges() async throws {
        try await withServe(allowActions: true) { serve, demo in
            _ = try await settled(serve)
            let issuer = ["issuer": demo.issuer.absoluteString]
            var metrics = Exposition(try await HTTP.get(serve.url("metrics")).text)
            #expect(metrics.values("tokentop_signing_key_changes_total", issuer).reduce(0, +) == 0)

            try await demo.rotateKeys()
            #expect(try await HTTP.post(serve.url("api/v1/clients/mod-client/refresh")).status == 200)
            try await eventually("the key change counted") {
                metrics = Exposition(try await HTTP.get(serve.url("metrics")).text)
                return metrics.values("tokentop_signing_key_changes_total", issuer) == [1]
            }
        }
    }
}

@Suite("serve's listening rules")
struct ListenRulesTests {
    @Test("loopback needs nothing; any other address needs a token or --insecure-listen")
    func offLoopbackNeedsAuthentication() throws {
        for listen in ["127.0.0.1:9464", "localhost:0", "[::1]:9464", "127.1.2.3:80"] {
            #expect(throws: Never.self) { try ExporterConfiguration(listen: listen) }
        }
        for listen in ["0.0.0.0:9464", "[::]:9464", "10.1.2.3:9464", "127.example.com:9464", "metrics.internal:9464"] {
            let error = #expect(throws: ExporterError.self) { try ExporterConfiguration(listen: listen) }
            #expect(error?.description.contains("--auth-token-file") == true)
            #expect(throws: Never.self) { try ExporterConfiguration(listen: listen, authToken: "0123456789abcdef0123") }
            #expect(throws: Never.self) { try ExporterConfiguration(listen: listen, insecureListen: true) }
        }
    }

    @Test("a malformed --listen is refused with the form it takes")
    func malformedListen() {
        for listen in [
            "9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", ":9464", "::1:9464", "[::1]9464", "a b:1",
        ] {
            let error = #expect(throws: ExporterError.self) { try ExporterConfiguration(listen: listen) }
            #expect(error?.description.contains("HOST:PORT") == true, "\(listen)")
        }
    }

    @Test("--auth-token-file must hold one strong bearer token")
    func authTokenFile() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "tokentop-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ text: String) throws -> String {
            let path = directory.appending(path: UUID().uuidString).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        #expect(try ExporterConfiguration.readAuthToken(path: try file("  0123456789abcdef0123\n")) == "0123456789abcdef0123")
        #expect(throws: ExporterError.self) { try ExporterConfiguration.readAuthToken(path: try file("short\n")) }
        #expect(throws: ExporterError.self) { try ExporterConfiguration.readAuthToken(path: try file("two tokens here!!\n")) }
        #expect(throws: ExporterError.self) {
            try ExporterConfiguration.readAuthToken(path: directory.appending(path: "none").path)
        }
        #expect(throws: ExporterError.self) { try ExporterConfiguration.readAuthToken(path: "/dev/zero") }
    }

    @Test("an --auth-token-file others may read gets the warning a configuration holding a secret gets")
    func authTokenFileWarning() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "tokentop-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appending(path: "token").path
        try "0123456789abcdef0123\n".write(toFile: path, atomically: true, encoding: .utf8)
        for (mode, readers) in [(0o644, "others"), (0o640, "its group")] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            #expect(
                ExporterConfiguration.authTokenFileWarning(path: path)
                    == "--auth-token-file \(path) is readable by \(readers) and holds the bearer token; chmod 600 it")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(ExporterConfiguration.authTokenFileWarning(path: path) == nil)
    }
}
