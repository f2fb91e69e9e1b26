import Foundation
import MetricsExporter
import Testing
import TokenConfig
import TokenModel

/// `tokentop_credential_expiry_timestamp_seconds`: when each kind of a client's credentials ends,
/// as an absolute time (the convention of cert-manager and the x509 exporter).
@Suite("credential metrics")
struct CredentialMetricsTests {
    private static let start = Date(timeIntervalSince1970: 1_800_000_000)

    private func scrape(_ metrics: TokenMetrics, _ clients: [ClientSnapshot]) async -> Exposition {
        let snapshot = ManagerSnapshot(generation: 1, takenAt: Self.start, clients: clients)
        return Exposition(String(decoding: await metrics.exposition(from: snapshot, at: Self.start), as: UTF8.self))
    }

    @Test("one series per client and kind, the earliest end of that kind; gone when the credential is")
    func earliestPerKind() async throws {
        let metrics = TokenMetrics(
            clients: [ClientConfiguration(name: "mtls", issuerURI: URL(string: "https://as.example")!, clientID: "mtls")],
            version: "test")
        let leaf = CredentialExpiry(kind: .certificate, subject: "CN=mtls", expiresAt: Self.start.addingTimeInterval(90 * 86_400))
        let intermediate = CredentialExpiry(
            kind: .certificate, subject: "CN=issuing CA", expiresAt: Self.start.addingTimeInterval(30 * 86_400))
        let secret = CredentialExpiry(kind: .secret, subject: "mtls", expiresAt: Self.start.addingTimeInterval(86_400))
        var exposition = await scrape(
            metrics,
            [
                ClientSnapshot(name: "mtls", state: .valid, credentials: [leaf, intermediate, secret])
            ])
        let name = "tokentop_credential_expiry_timestamp_seconds"
        #expect(
            exposition.values(name, ["client": "mtls", "kind": "certificate", "issuer": "https://as.example"])
                == [Self.start.timeIntervalSince1970 + 30 * 86_400])
        #expect(exposition.values(name, ["client": "mtls", "kind": "secret"]) == [Self.start.timeIntervalSince1970 + 86_400])
        #expect(exposition.values(name, ["kind": "assertion"]).isEmpty)

        exposition = await scrape(metrics, [ClientSnapshot(name: "mtls", state: .valid, credentials: [leaf])])
        #expect(
            exposition.values(name, ["client": "mtls", "kind": "certificate"]) == [Self.start.timeIntervalSince1970 + 90 * 86_400]
        )
        #expect(exposition.values(name, ["kind": "secret"]).isEmpty)
    }
}
