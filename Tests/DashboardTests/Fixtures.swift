import Dashboard
import DashboardCaptures
import Foundation
import TokenModel

/// Hand-built snapshots at a fixed instant: 2026-11-27 03:00:00 UTC.
enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_795_748_400)

    static func at(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(seconds) }

    static func context(
        depth: ColorDepth = .full256, glyphs: Glyphs = .unicode, theme: Theme = .builtIn, keyMap: KeyMap = .standard
    ) -> ScreenContext {
        ScreenContext(
            configurationPath: "/home/ops/.config/tokentop/tokentop.yaml", theme: theme, colorDepth: depth, glyphs: glyphs,
            keyMap: keyMap)
    }

    /// The clients with one diagnosis each, their key set and event log, at this instant; shared with README's pictures.
    static let diagnosis = DiagnosisFixtures(now: now)

    static func jwt(
        name: String, issued: TimeInterval, lifetime: TimeInterval, refreshBefore: TimeInterval = 60,
        scopes: [String], extraClaims: [String: JSONValue] = [:], verdict: SignatureVerdict? = nil
    ) -> TokenSummary {
        diagnosis.jwt(
            name: name, issued: issued, lifetime: lifetime, refreshBefore: refreshBefore, scopes: scopes,
            extraClaims: extraClaims, verdict: verdict)
    }

    static func responses(count: Int, body: String, start: TimeInterval = -80) -> [ResourceResponse] {
        let latencies = [12, 15, 9, 40, 22, 13, 11, 18, 60, 14]
        return (0..<count).map { index in
            ResourceResponse(
                status: 200, latency: .milliseconds(latencies[index % latencies.count]), at: at(start + Double(index) * 10),
                bodyExcerpt: body)
        }
    }

    /// Eight clients, one for each thing the table can say.
    static func snapshot() -> ManagerSnapshot {
        let billing = ClientSnapshot(
            name: "billing-api", state: .valid,
            token: jwt(
                name: "billing-api", issued: -600, lifetime: 3600, scopes: ["billing.read", "billing.write"],
                extraClaims: [
                    "tenant": .object([
                        "id": .number(42), "region": .string("eu-west-1"), "plan": .string("enterprise"),
                        "features": .array([.string("invoices"), .string("refunds"), .string("exports")]),
                    ]),
                    "roles": .array([.string("admin"), .string("auditor")]),
                ]),
            lastActionError: .server(
                code: "temporarily_unavailable", description: "the revocation endpoint is down for maintenance",
                uri: nil, endpoint: "http://127.0.0.1:8080/revoke", httpStatus: 503),
            responses: responses(count: 9, body: #"{"message":"hello billing-api","scope":"billing.read billing.write"}"#),
            history: [
                FetchRecord(
                    reason: .startup, startedAt: at(-4200), latency: .milliseconds(142), error: nil, claimChanges: [],
                    expiresAt: at(-600)),
                FetchRecord(
                    reason: .scheduled, startedAt: at(-601), latency: .milliseconds(88), error: nil,
                    claimChanges: ["~kid", "+roles"], expiresAt: at(3000)),
            ],
            configuredScopes: ["billing.read", "billing.write"], resourceURI: "http://127.0.0.1:8081/mod",
            actions: [
                ActionRecord(
                    action: .introspect, client: "billing-api", at: at(-2000), succeeded: true,
                    outcome: "the server says the token is active"),
                ActionRecord(
                    action: .revoke, client: "billing-api", at: at(-300), succeeded: false,
                    outcome: "temporarily_unavailable: the revocation endpoint is down for maintenance"),
            ])
        let inventory = ClientSnapshot(
            name: "inventory", state: .refreshDue,
            token: jwt(name: "inventory", issued: -250, lifetime: 300, refreshBefore: 60, scopes: ["inventory.read"]),
            responses: responses(count: 3, body: #"{"message":"hello inventory"}"#), configuredScopes: ["inventory.read"],
            resourceURI: "http://127.0.0.1:8081/mod")
        let legacy = ClientSnapshot(
            name: "legacy-batch", state: .refreshDue,
            token: jwt(name: "legacy-batch", issued: -113, lifetime: 120, refreshBefore: 30, scopes: ["batch"]),
            responses: responses(count: 2, body: #"{"message":"hello legacy-batch"}"#), configuredScopes: ["batch"],
            resourceURI: "http://127.0.0.1:8081/mod")
        let orders = ClientSnapshot(
            name: "orders", state: .expired,
            token: jwt(name: "orders", issued: -630, lifetime: 600, scopes: ["orders.write"]),
            configuredScopes: ["orders.write"])
        let partner = ClientSnapshot(
            name: "partner-sso", state: .error,
            lastError: .server(
                code: "invalid_client", description: "Client authentication failed", uri: nil,
                endpoint: "http://127.0.0.1:8080/token", httpStatus: 401),
            retriesHalted: true,
            history: [
                FetchRecord(
                    reason: .startup, startedAt: at(-30), latency: .milliseconds(35),
                    error: .server(
                        code: "invalid_client", description: "Client authentication failed", uri: nil,
                        endpoint: "http://127.0.0.1:8080/token", httpStatus: 401),
                    claimChanges: [], expiresAt: nil)
            ],
            configuredScopes: ["sso"], resourceURI: "http://127.0.0.1:8081/mod")
        let reports = ClientSnapshot(
            name: "reports", state: .valid,
            token: TokenSummary(
                masked: "8f2c…a1", tokenType: "Bearer", decoded: DecodedToken(format: .opaque), issuedAt: at(-60),
                expiresAt: at(7140), refreshAt: at(6840), scopes: ["reports"],
                verdict: SignatureVerdict(.unverified, "opaque token: nothing to verify"),
                extraFields: ["ext_expires_in": .number(7200)]),
            introspection: IntrospectionResult(
                active: true,
                fields: [
                    "active": .bool(true), "client_id": .string("reports"), "scope": .string("reports"),
                    "exp": .number(1_795_755_600),
                ],
                checkedAt: at(-12)),
            configuredScopes: ["reports"])
        let search = ClientSnapshot(
            name: "search-edge", state: .fetching, isFetching: true, configuredScopes: ["search"],
            resourceURI: "http://127.0.0.1:8081/mod")
        var webhookResponses = responses(count: 4, body: #"{"message":"hello webhooks"}"#)
        webhookResponses.append(
            ResourceResponse(
                status: 401, latency: .milliseconds(7), at: at(-5),
                wwwAuthenticate: #"Bearer error="invalid_token", error_description="expired""#,
                bodyExcerpt: #"{"error":"invalid_token"}"#))
        let webhooks = ClientSnapshot(
            name: "webhooks", state: .valid,
            token: jwt(name: "webhooks", issued: -1000, lifetime: 86_400, refreshBefore: 300, scopes: ["hooks.send"]),
            lastError: .network(.connectionRefused, "connection refused", endpoint: "http://127.0.0.1:8080/token"),
            responses: webhookResponses,
            history: [
                FetchRecord(
                    reason: .startup, startedAt: at(-1000), latency: .milliseconds(31), error: nil, claimChanges: [],
                    expiresAt: at(85_400)),
                FetchRecord(
                    reason: .retryAfter401, startedAt: at(-5), latency: .milliseconds(20),
                    error: .network(.connectionRefused, "connection refused", endpoint: "http://127.0.0.1:8080/token"),
                    claimChanges: [], expiresAt: nil),
            ],
            pollingPaused: true, configuredScopes: ["hooks.send"],
            resourceURI: "http://127.0.0.1:8081/mod")
        return ManagerSnapshot(
            generation: 7, takenAt: now, clients: [webhooks, billing, inventory, legacy, orders, partner, reports, search])
    }

    /// A `/mod` answer longer than any line: pretty-printed JSON with a sentence too long for
    /// one row, ending in what tells the answers apart.
    static let longBody = """
        {
          "message": "The message of the day is boring, and it goes on well past the width of any terminal this dashboard is likely to run in, to show that nothing is cut",
          "scope": "billing.read billing.write",
          "items": [1, 2, 3],
          "user": "0oabcd"
        }
        """

    /// The standard snapshot, billing-api's answers carrying `longBody`.
    static func longBodySnapshot() -> ManagerSnapshot {
        var snapshot = snapshot()
        let index = snapshot.clients.firstIndex { $0.name == "billing-api" }!
        snapshot.clients[index].responses = responses(count: 4, body: longBody)
        return snapshot
    }

    /// What a hostile `/mod` or token endpoint could send.
    static let hostileText =
        "\u{1B}[2J\u{1B}[H\u{1B}]52;c;ZXZpbA==\u{07}\u{1B}]0;pwned\u{07}\u{1B}[31mvisible text\u{1B}[0m \u{9B}5;5H\u{85}\u{07}\u{0E}after\u{1B}[10;10H\u{1B}P+q\u{1B}\\ end\r\nline"

    static func hostileSnapshot() -> ManagerSnapshot {
        let client = ClientSnapshot(
            name: "evil",
            state: .valid,
            token: jwt(
                name: "evil", issued: -60, lifetime: 3600, scopes: ["read"],
                extraClaims: [
                    "note": .string(hostileText), "iss": .string(hostileText),
                ], verdict: SignatureVerdict(.failed, hostileText)),
            lastActionError: .network(.connectionFailed, hostileText, endpoint: "http://127.0.0.1:1/introspect"),
            responses: [
                ResourceResponse(
                    status: 200, latency: .milliseconds(5), at: at(-3), wwwAuthenticate: hostileText, bodyExcerpt: hostileText)
            ],
            history: [
                FetchRecord(
                    reason: .manual, startedAt: at(-60), latency: .milliseconds(5), error: nil, claimChanges: [hostileText],
                    expiresAt: at(3540))
            ],
            resourceURI: "http://127.0.0.1:8081/mod")
        return ManagerSnapshot(generation: 1, takenAt: now, clients: [client])
    }

    /// `count` healthy clients with staggered expiries.
    static func manyClients(_ count: Int) -> ManagerSnapshot {
        let clients = (0..<count).map { index in
            ClientSnapshot(
                name: "client-\(String(format: "%04d", index))", state: .valid,
                token: jwt(name: "client-\(index)", issued: -Double(index % 300), lifetime: 600, scopes: ["read"]),
                responses: responses(count: 3, body: #"{"message":"hello"}"#), configuredScopes: ["read"],
                resourceURI: "http://127.0.0.1:8081/mod")
        }
        return ManagerSnapshot(generation: 1, takenAt: now, clients: clients)
    }
}
