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

/// The token endpoint's budget end to end: the demo's one bucket for every client (Okta's
/// headers, 429 past it), the real `tokentop serve` binary, its API and its metrics.
@Suite("The token endpoint's rate-limit budget, end to end")
struct RateLimitEndToEndTests {
    @Test("a noisy client drains the shared budget: the quiet clients turn degraded naming it, and its 429 waits for the reset")
    func noisyClientDrainsTheBudget() async throws {
        var options = DemoServerOptions()
        // A day's window: the test never straddles its reset (windows start on the day, UTC).
        options.rateLimit = try #require(DemoRateLimit(limit: 12, window: .seconds(86_400)))
        // quiet and calm keep their hour-long tokens; noisy refreshes every second or so.
        options.clients = [
            DemoClientSpec(name: "quiet", scopes: [DemoClientSpec.modScope]),
            DemoClientSpec(name: "calm", scopes: [DemoClientSpec.modScope]),
            DemoClientSpec(
                name: "noisy", scopes: [DemoClientSpec.modScope], tokenLifetime: .seconds(3), refreshSkew: .seconds(2)),
        ]
        try await withDemoAndFolder(options) { demo, directory in
            let configuration = directory.appending(path: "tokentop.yaml")
            try demo.configurationYAML().write(to: configuration, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configuration.path)
            let serveLog = directory.appending(path: "serve.log")
            let serve = try await Subprocess.run(
                .path(FilePath(try Binary.tokentop().path)),
                arguments: ["serve", "--config", configuration.path, "--listen", "127.0.0.1:0"],
                input: .none, output: try Output.file(serveLog), error: .combinedWithOutput
            ) { execution in
                let api = URL(string: "http://127.0.0.1:\(try await listeningPort(in: serveLog))")!
                try await watch(api: api, demo: demo)
                try execution.send(signal: .terminate)
            }
            let log = (try? String(contentsOf: serveLog, encoding: .utf8)) ?? ""
            #expect(serve.terminationStatus == .exited(0), "\(log)")
        }
    }

    private func watch(api: URL, demo: DemoEnvironment) async throws {
        // Under 10 % left (1 of 12): every client of the issuer is warned, and the noisy one named.
        var reason = ""
        try await eventually("quiet degraded by the budget", within: 60) {
            let quiet = try await HTTP.get(api.appending(path: "api/v1/clients/quiet")).json
            reason = quiet["reason"] as? String ?? ""
            return quiet["verdict"] as? String == "degraded" && reason.contains("token endpoint budget low")
        }
        #expect(reason.contains("most requests: noisy"), "\(reason)")
        #expect(reason.contains("/12 left, resets in"), "\(reason)")

        // The metrics: one series per issuer and endpoint, whatever the number of clients.
        let metrics = Exposition(try await HTTP.get(api.appending(path: "metrics")).text)
        let endpoint = ["endpoint": demo.tokenEndpoint.absoluteString]
        #expect(metrics.values("tokentop_rate_limit_limit", endpoint) == [12])
        #expect((metrics.values("tokentop_rate_limit_remaining", endpoint).first ?? 99) <= 1)
        let reset = try #require(metrics.values("tokentop_rate_limit_reset_timestamp_seconds", endpoint).first)
        #expect(reset > Date().timeIntervalSince1970 && reset.truncatingRemainder(dividingBy: 86_400) == 0)

        // Past the budget the noisy client is refused with 429 and waits for the reset (capped
        // at an hour), not a blind backoff of a second or two.
        try await eventually("noisy rate limited", within: 30) {
            let noisy = try await HTTP.get(api.appending(path: "api/v1/clients/noisy")).json
            reason = noisy["reason"] as? String ?? ""
            return reason.contains("rate limited: next try in")
        }
        #expect(reason.contains("token endpoint: 0/12 left"), "\(reason)")
        let stats = demo.endpoints.adminFaultsURL.deletingLastPathComponent().appending(path: "stats")
        let before = try await HTTP.get(stats, bearer: demo.adminToken).json["token_requests"] as? Int
        try await Task.sleep(for: .seconds(3))
        let after = try await HTTP.get(stats, bearer: demo.adminToken).json["token_requests"] as? Int
        #expect(
            before != nil && before == after,
            "token requests went on after the 429: \(String(describing: before)) → \(String(describing: after))")
    }
}
