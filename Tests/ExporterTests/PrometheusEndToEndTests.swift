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

/// The issue's end-to-end check: the embedded demo, the real `tokentop serve` binary, and a
/// real Prometheus scraping it every second on loopback; a demo fault must show in
/// Prometheus' own query API.
@Suite(
    "Prometheus scraping tokentop serve",
    .enabled(if: Tools.promtool != nil && Tools.prometheus != nil, Tools.missingMessage))
struct PrometheusEndToEndTests {
    @Test("a demo fault moves the error counter and the health state set; the expiry timestamp is the token's exp")
    func faultsReachPrometheus() async throws {
        var options = DemoServerOptions()
        // steady keeps one hour-long token; flaky refreshes every few seconds, so it meets the fault.
        options.clients = [
            DemoClientSpec(name: "steady", scopes: [DemoClientSpec.modScope]),
            DemoClientSpec(
                name: "flaky", scopes: [DemoClientSpec.modScope], tokenLifetime: .seconds(8), refreshSkew: .seconds(2)),
        ]
        try await withDemoAndFolder(options) { demo, directory in try await run(demo, in: directory) }
    }

    private func run(_ demo: DemoEnvironment, in directory: URL) async throws {
        let configuration = directory.appending(path: "tokentop.yaml")
        try (demo.configurationYAML() + "defaults:\n  poll-interval: 1s\n").write(
            to: configuration, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configuration.path)
        let serveLog = directory.appending(path: "serve.log")

        let serve = try await Subprocess.run(
            .path(FilePath(try Binary.tokentop().path)),
            arguments: ["serve", "--config", configuration.path, "--listen", "127.0.0.1:0"],
            input: .none, output: try Output.file(serveLog), error: .combinedWithOutput
        ) { execution in
            let port = try await listeningPort(in: serveLog)
            let api = URL(string: "http://127.0.0.1:\(port)")!
            try await scrape(api: api, demo: demo, directory: directory)
            try execution.send(signal: .terminate)
        }
        let log = (try? String(contentsOf: serveLog, encoding: .utf8)) ?? ""
        // SIGTERM drains and exits cleanly.
        #expect(serve.terminationStatus == .exited(0), "\(log)")
        for secret in demo.clients.compactMap(\.secret) {
            #expect(!log.contains(secret), "serve's log contains a client secret")
        }
    }

    /// Starts Prometheus on the serve at `api`, then checks what it recorded before and after the fault.
    private func scrape(api: URL, demo: DemoEnvironment, directory: URL) async throws {
        let steadyExp = try await Self.tokenExp(of: "steady", api: api)
        let prometheusPort = try LoopbackPort.unused()
        let prometheus = Prometheus(port: prometheusPort)
        let configuration = directory.appending(path: "prometheus.yml")
        try """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: tokentop
            static_configs:
              - targets: ["127.0.0.1:\(api.port!)"]
        """.write(to: configuration, atomically: true, encoding: .utf8)

        _ = try await Subprocess.run(
            .path(FilePath(Tools.prometheus!)),
            arguments: [
                "--config.file=\(configuration.path)", "--storage.tsdb.path=\(directory.appending(path: "data").path)",
                "--web.listen-address=127.0.0.1:\(prometheusPort)",
            ],
            input: .none, output: try Output.file(directory.appending(path: "prometheus.log")), error: .combinedWithOutput
        ) { execution in
            // Before the fault: the expiry timestamp is the token's exp (the manager counts the
            // lifetime from expires_in on arrival, so it lies within a second after exp's whole second).
            try await eventually("steady's expiry in Prometheus", within: 30) {
                guard let expiry = try await prometheus.query(#"tokentop_token_expiry_timestamp_seconds{client="steady"}"#).first
                else { return false }
                #expect(abs(expiry - steadyExp) <= 1.5, "expiry \(expiry), exp \(steadyExp)")
                return true
            }
            try await eventually("steady healthy in Prometheus", within: 15) {
                try await prometheus.query(#"tokentop_health_state{client="steady", state="ok"}"#) == [1]
            }

            let switched = try await HTTP.post(
                demo.endpoints.adminFaultsURL, bearer: demo.adminToken,
                json: #"{"token_error_rate": 1, "token_fault": "unavailable", "retry_after": 1, "resource_down": true}"#)
            #expect(switched.status == 200, "\(switched.text)")

            try await eventually("flaky's temporarily_unavailable errors in Prometheus", within: 30) {
                let errors = try await prometheus.query(
                    #"tokentop_token_fetches_total{client="flaky", outcome="error", error="temporarily_unavailable"}"#)
                return (errors.first ?? 0) >= 1
            }
            try await eventually("flaky's health verdict leaves ok", within: 15) {
                let ok = try await prometheus.query(#"tokentop_health_state{client="flaky", state="ok"}"#)
                let failing = try await prometheus.query(
                    #"tokentop_health_state{client="flaky", state=~"degraded|error|expired"}"#)
                return ok == [0] && failing.reduce(0, +) == 1
            }
            // The API is down while steady's token is fine: the alert's situation.
            try await eventually("steady degraded by the API, with 5xx counted", within: 15) {
                let degraded = try await prometheus.query(#"tokentop_health_state{client="steady", state="degraded"}"#)
                let failures = try await prometheus.query(
                    #"tokentop_resource_requests_total{client="steady", status_class="5xx"}"#)
                return degraded == [1] && (failures.first ?? 0) >= 1
            }
            try execution.send(signal: .terminate)
        }
    }

    /// The port `tokentop serve --listen 127.0.0.1:0` reports on stderr.
    /// The `exp` claim of the client's token, as `/api/v1/clients` shows it.
    private static func tokenExp(of client: String, api: URL) async throws -> Double {
        var exp: Double?
        try await eventually("\(client)'s token in /api/v1/clients", within: 30) {
            let answer = try? await HTTP.get(api.appending(path: "api/v1/clients/\(client)"))
            let token = answer?.json["token"] as? [String: Any]
            exp = (token?["claims"] as? [String: Any])?["exp"] as? Double
            return exp != nil
        }
        return exp!
    }
}

/// Prometheus' HTTP query API.
struct Prometheus {
    let port: Int

    /// The values of an instant query; empty while Prometheus starts or has no such series.
    func query(_ promql: String) async throws -> [Double] {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promql)]
        guard let answer = try? await HTTP.get(components.url!), answer.status == 200,
            let data = answer.json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { return [] }
        return result.compactMap { ($0["value"] as? [Any])?.last as? String }.compactMap(Double.init)
    }
}

/// Where a child's output goes.
enum Output {
    static func file(_ url: URL) throws -> FileDescriptorOutput {
        .fileDescriptor(
            try FileDescriptor.open(
                FilePath(url.path), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite]),
            closeAfterSpawningProcess: true)
    }
}

/// The built `tokentop` binary (see `BuiltBinary`).
enum Binary {
    static func tokentop() throws -> URL { try BuiltBinary.tokentop() }
}
