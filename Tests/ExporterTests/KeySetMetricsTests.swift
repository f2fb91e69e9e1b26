import Foundation
import MetricsExporter
import Testing
import TokenConfig
import TokenModel

/// `tokentop_jwks_keys` and `tokentop_jwks_key_changes_total`, from the key sets in the
/// snapshots: each client watches its issuer's key set on its own, the metrics speak per issuer.
@Suite("key-set metrics")
struct KeySetMetricsTests {
    private static let start = Date(timeIntervalSince1970: 1_800_000_000)
    private static let issuer = "https://as.example"

    private func at(_ seconds: TimeInterval) -> Date { Self.start.addingTimeInterval(seconds) }

    private func key(_ kid: String) -> PublishedKey {
        PublishedKey(kid: kid, type: "RSA 2048", algorithm: "RS256", use: "sig", firstSeen: Self.start, lastSeen: Self.start)
    }

    private func client(_ name: String, keys: [String], changes: [KeySetChange] = [], fetchedAt: Date?) -> ClientSnapshot {
        ClientSnapshot(
            name: name, state: .valid,
            keySet: KeySetStatus(
                source: "\(Self.issuer)/jwks", keys: keys.map(key), changes: changes, fetchedAt: fetchedAt))
    }

    private func scrape(_ metrics: TokenMetrics, _ clients: [ClientSnapshot]) async -> Exposition {
        let snapshot = ManagerSnapshot(generation: 1, takenAt: Self.start, clients: clients)
        return Exposition(String(decoding: await metrics.exposition(from: snapshot, at: Self.start), as: UTF8.self))
    }

    @Test("after a reload a removed client's series stay gone, even from a snapshot taken before it")
    func reloadDropsSeries() async throws {
        let a = ClientConfiguration(name: "a", issuerURI: URL(string: Self.issuer)!, clientID: "a")
        let b = ClientConfiguration(name: "b", issuerURI: URL(string: "https://other.example")!, clientID: "b")
        let metrics = TokenMetrics(clients: [a, b], version: "test")
        let before = [
            client("a", keys: ["k1"], fetchedAt: at(1)),
            ClientSnapshot(
                name: "b", state: .valid,
                keySet: KeySetStatus(source: "https://other.example/jwks", keys: [key("o1")], fetchedAt: at(1))),
        ]
        var exposition = await scrape(metrics, before)
        #expect(exposition.values("tokentop_health_state", ["client": "b"]).count == HealthState.allCases.count)
        #expect(exposition.values("tokentop_jwks_keys", ["issuer": "https://other.example"]) == [1])

        await metrics.configure(clients: [a])
        exposition = await scrape(metrics, before)
        #expect(exposition.values("tokentop_health_state", ["client": "b"]).isEmpty)
        #expect(exposition.values("tokentop_jwks_keys", ["issuer": "https://other.example"]).isEmpty)
        #expect(exposition.values("tokentop_health_state", ["client": "a"]).count == HealthState.allCases.count)
        #expect(exposition.values("tokentop_clients") == [1])
    }

    @Test("the key count follows the freshest copy; each key's arrival and departure counts once per issuer")
    func keySetSizeAndChanges() async throws {
        let metrics = TokenMetrics(
            clients: [
                ClientConfiguration(name: "a", issuerURI: URL(string: Self.issuer)!, clientID: "a"),
                ClientConfiguration(name: "b", issuerURI: URL(string: Self.issuer)!, clientID: "b"),
                ClientConfiguration(name: "c", issuerURI: URL(string: "https://other.example")!, clientID: "c"),
            ], version: "test")
        let issuer = ["issuer": Self.issuer]
        let added = issuer.merging(["change": "added"]) { $1 }
        let removed = issuer.merging(["change": "removed"]) { $1 }

        // Before any fetch there is nothing to say; then the first copy, with no change yet.
        var exposition = await scrape(metrics, [client("a", keys: [], fetchedAt: nil), client("c", keys: [], fetchedAt: nil)])
        #expect(exposition.values("tokentop_jwks_keys").isEmpty)
        exposition = await scrape(metrics, [client("a", keys: ["k1", "k2"], fetchedAt: at(1))])
        #expect(exposition.values("tokentop_jwks_keys", issuer) == [2])
        #expect(exposition.values("tokentop_jwks_key_changes_total", added) == [0])
        #expect(exposition.values("tokentop_jwks_key_changes_total", removed) == [0])

        // k3 appears; both clients see it, at their own times: one change.
        let k3ForA = KeySetChange(kind: .added, kid: "k3", at: at(10))
        let k3ForB = KeySetChange(kind: .added, kid: "k3", at: at(12))
        exposition = await scrape(
            metrics,
            [
                client("a", keys: ["k1", "k2", "k3"], changes: [k3ForA], fetchedAt: at(10)),
                client("b", keys: ["k1", "k2", "k3"], changes: [k3ForB], fetchedAt: at(12)),
            ])
        #expect(exposition.values("tokentop_jwks_keys", issuer) == [3])
        #expect(exposition.values("tokentop_jwks_key_changes_total", added) == [1])

        // k1 leaves, seen by b only so far; the count is b's, the freshest copy.
        exposition = await scrape(
            metrics,
            [
                client("a", keys: ["k1", "k2", "k3"], changes: [k3ForA], fetchedAt: at(10)),
                client(
                    "b", keys: ["k2", "k3"], changes: [k3ForB, KeySetChange(kind: .removed, kid: "k1", at: at(20))],
                    fetchedAt: at(20)),
            ])
        #expect(exposition.values("tokentop_jwks_keys", issuer) == [2])
        #expect(exposition.values("tokentop_jwks_key_changes_total", added) == [1])
        #expect(exposition.values("tokentop_jwks_key_changes_total", removed) == [1])
        #expect(exposition.values("tokentop_jwks_keys", ["issuer": "https://other.example"]).isEmpty)

        if let promtool = Tools.promtool {
            let text = String(decoding: await metrics.exposition(from: ManagerSnapshot?.none, at: Self.start), as: UTF8.self)
            let lint = try await Tools.run(promtool, ["check", "metrics"], input: text)
            #expect(lint.succeeded && lint.output.isEmpty, "\(lint)")
        }
    }

    @Test("a held token whose signing key the key set has since removed is flagged; a key newer than the copy is not")
    func signingKeyRemoved() async throws {
        let metrics = TokenMetrics(
            clients: ["held-k1", "held-k3", "no-token"].map {
                ClientConfiguration(name: $0, issuerURI: URL(string: Self.issuer)!, clientID: $0)
            }, version: "test")
        func holding(_ name: String, kid: String, keys: [String], changes: [KeySetChange]) -> ClientSnapshot {
            var snapshot = client(name, keys: keys, changes: changes, fetchedAt: at(20))
            snapshot.token = TokenSummary(
                masked: "eyJh…GA", tokenType: "Bearer",
                decoded: DecodedToken(format: .jwt, header: ["alg": .string("RS256"), "kid": .string(kid)]),
                issuedAt: at(0), expiresAt: at(3600), refreshAt: at(3000), scopes: [],
                verdict: SignatureVerdict(.verified, "RS256 signature valid with key \"\(kid)\""), extraFields: [:])
            return snapshot
        }
        let removedK1 = [KeySetChange(kind: .removed, kid: "k1", at: at(20))]
        // Before the change both tokens' keys are published.
        var exposition = await scrape(
            metrics,
            [
                holding("held-k1", kid: "k1", keys: ["k1", "k2"], changes: []),
                holding("held-k3", kid: "k3", keys: ["k1", "k2"], changes: []),
            ])
        #expect(exposition.values("tokentop_token_signing_key_removed", ["client": "held-k1"]) == [0])

        // k1 leaves: the token it signed is flagged; k3, never seen in this copy, is a key newer than it.
        exposition = await scrape(
            metrics,
            [
                holding("held-k1", kid: "k1", keys: ["k2"], changes: removedK1),
                holding("held-k3", kid: "k3", keys: ["k2"], changes: removedK1),
                client("no-token", keys: ["k2"], changes: removedK1, fetchedAt: at(20)),
            ])
        #expect(exposition.values("tokentop_token_signing_key_removed", ["client": "held-k1"]) == [1])
        #expect(exposition.values("tokentop_token_signing_key_removed", ["client": "held-k3"]) == [0])
        #expect(exposition.values("tokentop_token_signing_key_removed", ["client": "no-token"]) == [0])

        // A new token signed by a published key clears it.
        exposition = await scrape(metrics, [holding("held-k1", kid: "k2", keys: ["k2"], changes: removedK1)])
        #expect(exposition.values("tokentop_token_signing_key_removed", ["client": "held-k1"]) == [0])
    }
}
