import Dashboard
import Foundation
import TokenModel

/// Snapshots of fleets at the fixed instant of `Fixtures`: clients of two issuers, one down;
/// clients of two attached `serve` instances.
extension Fixtures {
    static let healthyIssuer = "https://auth.example.test/oauth2/default"
    static let downIssuer = "https://dev-8127.okta.example/oauth2/ausprod"

    /// The standard eight clients under one issuer, and four more under an issuer that
    /// refuses connections, each waiting a little differently for its next try.
    static func fleetSnapshot() -> ManagerSnapshot {
        var clients = snapshot().clients.map { client in
            var client = client
            client.issuer = healthyIssuer
            return client
        }
        let endpoint = downIssuer + "/v1/token"
        for (offset, name) in ["orders-sync", "billing-batch", "inventory-feed", "ledger"].enumerated() {
            let refused = OAuthError.network(.connectionRefused, "connection refused (nothing listens there)", endpoint: endpoint)
            clients.append(
                ClientSnapshot(
                    name: name, state: .error, lastError: refused, nextRetryAt: at(Double(2 + offset)),
                    history: [
                        FetchRecord(
                            reason: .startup, startedAt: at(-20), latency: .milliseconds(1), error: refused, claimChanges: [],
                            expiresAt: nil)
                    ],
                    configuredScopes: ["read"], issuer: downIssuer))
        }
        return ManagerSnapshot(generation: 3, takenAt: now, clients: clients)
    }

    /// Three clients on one attached instance and the row of another that cannot be reached.
    static func attachedSnapshot() -> ManagerSnapshot {
        let instance = "127.0.0.1:9464"
        var clients = snapshot().clients.prefix(3).map { client in
            var client = client
            client.name = "\(instance)/\(client.name)"
            client.instance = instance
            return client
        }
        let gone = "10.0.4.17:9464"
        clients.append(
            ClientSnapshot(
                name: gone, state: .error,
                lastError: .network(
                    .connectionRefused, "instance \(gone) unreachable: connection refused",
                    endpoint: "http://\(gone)/api/v1/clients"),
                instanceFailure: "instance \(gone) unreachable: connection refused", instance: gone))
        return ManagerSnapshot(generation: 2, takenAt: now, clients: clients)
    }
}
