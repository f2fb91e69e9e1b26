import Foundation
import MetricsExporter
import Testing
import TokenConfig
import TokenModel

/// `tokentop_rate_limit_remaining`, `_limit` and `_reset_timestamp_seconds`: one series per issuer
/// and token endpoint, from the newest answer any of its clients saw.
@Suite("rate-limit metrics")
struct RateLimitMetricsTests {
    private static let start = Date(timeIntervalSince1970: 1_800_000_000)
    private static let issuer = "https://as.example"
    private static let endpoint = "https://as.example/v1/token"

    private func client(_ name: String, remaining: Int, observed: TimeInterval, resetIn: TimeInterval?) -> ClientSnapshot {
        var client = ClientSnapshot(name: name, state: .valid)
        client.tokenEndpointBudget = RateLimitBudget(
            issuer: Self.issuer, endpoint: Self.endpoint, limit: 600, remaining: remaining,
            resetAt: resetIn.map { Self.start.addingTimeInterval($0) }, observedAt: Self.start.addingTimeInterval(observed),
            style: .okta)
        return client
    }

    private func scrape(_ metrics: TokenMetrics, _ clients: [ClientSnapshot]) async -> Exposition {
        let snapshot = ManagerSnapshot(generation: 1, takenAt: Self.start, clients: clients)
        return Exposition(String(decoding: await metrics.exposition(from: snapshot, at: Self.start), as: UTF8.self))
    }

    @Test("the clients of an issuer share one series, set from the newest answer; a reset that goes away takes its series along")
    func oneSeriesPerIssuerAndEndpoint() async throws {
        let configurations = ["a", "b"].map { ClientConfiguration(name: $0, issuerURI: URL(string: Self.issuer)!, clientID: $0) }
        let metrics = TokenMetrics(clients: configurations, version: "test")
        let labels = ["issuer": Self.issuer, "endpoint": Self.endpoint]
        var exposition = await scrape(
            metrics,
            [client("a", remaining: 400, observed: 1, resetIn: 38), client("b", remaining: 41, observed: 2, resetIn: 38)])
        #expect(exposition.values("tokentop_rate_limit_remaining", labels) == [41])
        #expect(exposition.values("tokentop_rate_limit_limit", labels) == [600])
        #expect(exposition.values("tokentop_rate_limit_reset_timestamp_seconds", labels) == [1_800_000_038])
        #expect(exposition.values("tokentop_rate_limit_remaining").count == 1)

        exposition = await scrape(metrics, [client("a", remaining: 599, observed: 3, resetIn: nil)])
        #expect(exposition.values("tokentop_rate_limit_remaining", labels) == [599])
        #expect(exposition.values("tokentop_rate_limit_reset_timestamp_seconds", labels).isEmpty)

        // A reload that drops the issuer drops its series.
        await metrics.configure(clients: [
            ClientConfiguration(name: "c", issuerURI: URL(string: "https://other.example")!, clientID: "c")
        ])
        exposition = await scrape(metrics, [])
        #expect(exposition.values("tokentop_rate_limit_remaining").isEmpty)
    }
}
