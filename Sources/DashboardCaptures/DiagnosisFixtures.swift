import Dashboard
import Foundation
import TokenModel

/// Clients whose tokens are rejected, one per cause, with the key set they watch and the event
/// log that led there, around a given instant. The dashboard's tests draw them at their own
/// instant and README's pictures at `CaptureFixtures.now`: one copy of each scenario.
public struct DiagnosisFixtures: Sendable {
    public static let jwksURI = "http://127.0.0.1:8080/oauth2/default/v1/keys"

    /// The instant the snapshots are taken at.
    public let now: Date

    public init(now: Date) {
        self.now = now
    }

    public func at(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(seconds) }

    /// A JWT as the example authorization server issues it, `issued` seconds from now.
    public func jwt(
        name: String, issued: TimeInterval, lifetime: TimeInterval, refreshBefore: TimeInterval = 60,
        scopes: [String], extraClaims: [String: JSONValue] = [:], verdict: SignatureVerdict? = nil
    ) -> TokenSummary {
        let issuedAt = at(issued)
        let expiresAt = issuedAt.addingTimeInterval(lifetime)
        var claims: [String: JSONValue] = [
            "iss": .string("https://auth.example.test"), "sub": .string(name), "aud": .string("api://mod"),
            "iat": .number(issuedAt.timeIntervalSince1970), "exp": .number(expiresAt.timeIntervalSince1970),
            "nbf": .number(issuedAt.timeIntervalSince1970), "jti": .string("jti-\(name)-0001"),
            "scope": .string(scopes.joined(separator: " ")), "client_id": .string(name),
        ]
        claims.merge(extraClaims) { $1 }
        return TokenSummary(
            masked: "eyJh…Qw", tokenType: "Bearer",
            decoded: DecodedToken(
                format: .jwt, header: ["alg": .string("RS256"), "kid": .string("demo-key-1"), "typ": .string("JWT")],
                claims: claims),
            issuedAt: issuedAt, expiresAt: expiresAt, refreshAt: expiresAt.addingTimeInterval(-refreshBefore), scopes: scopes,
            verdict: verdict ?? SignatureVerdict(.verified, "RS256 signature valid with key demo-key-1"), extraFields: [:])
    }

    /// The issuer's key set after a breaking rotation two minutes ago: demo-key-1 left, demo-key-2 came.
    public func rotatedKeySet(fetched: TimeInterval = -20) -> KeySetStatus {
        KeySetStatus(
            source: Self.jwksURI,
            keys: [
                PublishedKey(
                    kid: "demo-key-2", type: "RSA 2048", algorithm: "RS256", use: "sig", firstSeen: at(-120),
                    lastSeen: at(fetched)),
                PublishedKey(
                    kid: "ec-key-7", type: "EC P-256", algorithm: "ES256", use: nil, firstSeen: at(-3600), lastSeen: at(fetched)),
            ],
            changes: [
                KeySetChange(kind: .added, kid: "demo-key-2", at: at(-120)),
                KeySetChange(kind: .removed, kid: "demo-key-1", at: at(-120)),
            ],
            fetchedAt: at(fetched), maxAge: .seconds(300))
    }

    /// A JWT signed with the key `kid`, verified.
    public func token(_ name: String, kid: String, scopes: [String], issued: TimeInterval = -600) -> TokenSummary {
        var token = jwt(name: name, issued: issued, lifetime: 3600, scopes: scopes)
        token.decoded.header["kid"] = .string(kid)
        token.verdict = SignatureVerdict(.verified, "RS256 signature valid with key \(kid)")
        return token
    }

    /// Six clients: one fine (mod-client), one per diagnosis the demo reproduces (no-mod-scope like the demo's).
    public func snapshot() -> ManagerSnapshot {
        let okAnswer = ResourceResponse(status: 200, latency: .milliseconds(9), at: at(-2), bodyExcerpt: #"{"message":"hello"}"#)
        let modClient = ClientSnapshot(
            name: "mod-client", state: .valid,
            token: token("mod-client", kid: "demo-key-2", scopes: ["custom_mod"], issued: -100),
            responses: [okAnswer], configuredScopes: ["custom_mod"], resourceURI: "http://127.0.0.1:8081/mod",
            keySet: rotatedKeySet())
        let noScope = ClientSnapshot(
            name: "no-mod-scope", state: .valid,
            token: token("no-mod-scope", kid: "demo-key-2", scopes: ["custom_read"], issued: -100),
            // Diagnosed (`d`) 4 s ago: introspected then, as the event log says.
            introspection: IntrospectionResult(active: true, fields: ["active": .bool(true)], checkedAt: at(-4)),
            responses: [
                ResourceResponse(
                    status: 403, latency: .milliseconds(4), at: at(-3),
                    wwwAuthenticate:
                        #"Bearer error="insufficient_scope", error_description="the token lacks a scope", scope="custom_mod""#,
                    bodyExcerpt: #"{"error":"insufficient_scope"}"#)
            ],
            configuredScopes: ["custom_read"], resourceURI: "http://127.0.0.1:8081/mod", keySet: rotatedKeySet(fetched: -90))
        let rotated = ClientSnapshot(
            name: "jwt-client", state: .valid, token: token("jwt-client", kid: "demo-key-1", scopes: ["custom_mod"]),
            responses: [okAnswer], configuredScopes: ["custom_mod"], resourceURI: "http://127.0.0.1:8081/mod",
            keySet: rotatedKeySet(fetched: -60))
        let revokedToken = token("post-client", kid: "demo-key-2", scopes: ["custom_mod"], issued: -100)
        let revoked = ClientSnapshot(
            name: "post-client", state: .valid, token: revokedToken,
            introspection: IntrospectionResult(active: false, fields: ["active": .bool(false)], checkedAt: at(-5)),
            responses: [okAnswer], configuredScopes: ["custom_mod"], resourceURI: "http://127.0.0.1:8081/mod",
            keySet: rotatedKeySet(fetched: -60))
        let skewed = ClientSnapshot(
            name: "skewed", state: .valid, token: token("skewed", kid: "demo-key-2", scopes: ["custom_mod"], issued: -100),
            responses: [okAnswer], configuredScopes: ["custom_mod"], resourceURI: "http://127.0.0.1:8081/mod",
            clockReadings: [
                ClockReading(server: "http://127.0.0.1:8080", offset: 300.2, uncertainty: 0.5, source: .dateHeader, at: at(-30))
            ])
        let mismatch = ClientSnapshot(
            name: "other-aud", state: .valid, token: token("other-aud", kid: "demo-key-2", scopes: ["custom_mod"], issued: -100),
            introspection: IntrospectionResult(active: true, fields: ["active": .bool(true)], checkedAt: at(-4)),
            responses: [
                ResourceResponse(
                    status: 401, latency: .milliseconds(3), at: at(-4),
                    wwwAuthenticate:
                        #"Bearer error="invalid_token", error_description="the token's audience is not api://orders""#,
                    bodyExcerpt: #"{"error":"invalid_token"}"#)
            ],
            configuredScopes: ["custom_mod"], resourceURI: "http://127.0.0.1:8081/mod")
        return ManagerSnapshot(
            generation: 3, takenAt: now, clients: [mismatch, rotated, modClient, noScope, revoked, skewed], recentEvents: events()
        )
    }

    /// `snapshot()` after mod-client's token was revoked behind tokentop's back (copied with `y`,
    /// revoked with `tokentop revoke`) and `d` found out: the API, checking signatures locally,
    /// still answers 200; introspection says inactive. Its events are what the manager records.
    public func revokedBehindTheBack() -> ManagerSnapshot {
        var snapshot = snapshot()
        guard let index = snapshot.clients.firstIndex(where: { $0.name == "mod-client" }) else { return snapshot }
        snapshot.clients[index].introspection = IntrospectionResult(
            active: false, fields: ["active": .bool(false)], checkedAt: at(-5))
        let client = snapshot.clients[index]
        let record = ActionRecord(
            action: .diagnose, client: client.name, at: at(-6), succeeded: true, outcome: client.diagnosisOutcome(at: now))
        snapshot.clients[index].actions.append(record)
        func event(_ seconds: TimeInterval, _ kind: ManagerEvent.Kind) -> ManagerEvent {
            ManagerEvent(at: at(seconds), client: client.name, kind: kind)
        }
        let ok = ResourceResponse(status: 200, latency: .milliseconds(12), at: at(-99), bodyExcerpt: "")
        let story = [
            event(-100, .tokenFetched(reason: .startup, latency: .milliseconds(14), expiresAt: client.token?.expiresAt)),
            event(-100, .signatureChecked(SignatureVerdict(.verified, "RS256 signature valid with key demo-key-2"))),
            event(-99, .resourceCalled(ok)),
            event(-99, .healthChanged(from: nil, to: Self.healthy)),
            event(-6, .resourceCalled(ok)),
            event(-5, .introspected(active: false)),
            event(-5, .healthChanged(from: Self.healthy, to: client.health(at: now))),
            event(-5, .operatorAction(record)),
        ]
        // Oldest first, as the manager keeps them; a stable sort keeps each instant's order.
        snapshot.recentEvents = (snapshot.recentEvents + story).enumerated()
            .sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        return snapshot
    }

    static let healthy = HealthVerdict(.ok, "valid 59m, signature verified, API 200")

    /// The log behind `snapshot()`, oldest first: repeated API answers included, as the manager records them.
    func events() -> [ManagerEvent] {
        func event(_ seconds: TimeInterval, _ client: String, _ kind: ManagerEvent.Kind) -> ManagerEvent {
            ManagerEvent(at: at(seconds), client: client, kind: kind)
        }
        let ok = ResourceResponse(status: 200, latency: .milliseconds(9), at: at(-2), bodyExcerpt: "")
        let forbidden = ResourceResponse(
            status: 403, latency: .milliseconds(4), at: at(-3),
            wwwAuthenticate: #"Bearer error="insufficient_scope", scope="custom_mod""#, bodyExcerpt: "")
        return [
            event(-700, "jwt-client", .tokenFetched(reason: .startup, latency: .milliseconds(142), expiresAt: at(2900))),
            event(
                -700, "jwt-client", .signatureChecked(SignatureVerdict(.verified, "RS256 signature valid with key demo-key-1"))),
            event(-699, "jwt-client", .resourceCalled(ok)),
            event(-699, "jwt-client", .healthChanged(from: nil, to: Self.healthy)),
            event(-689, "jwt-client", .resourceCalled(ok)),
            event(-679, "jwt-client", .resourceCalled(ok)),
            event(
                -300, "post-client",
                .tokenFailed(
                    reason: .scheduled, latency: .milliseconds(35),
                    error: .server(
                        code: "temporarily_unavailable", description: "try again later", uri: nil,
                        endpoint: "http://127.0.0.1:8080/token", httpStatus: 503))),
            event(
                -120, "jwt-client",
                .keySetChanged(source: Self.jwksURI, change: KeySetChange(kind: .added, kid: "demo-key-2", at: at(-120)))),
            event(
                -120, "jwt-client",
                .keySetChanged(source: Self.jwksURI, change: KeySetChange(kind: .removed, kid: "demo-key-1", at: at(-120)))),
            event(-100, "no-mod-scope", .tokenFetched(reason: .manual, latency: .milliseconds(20), expiresAt: at(3500))),
            event(-99, "no-mod-scope", .resourceCalled(forbidden)),
            event(
                -99, "no-mod-scope",
                .healthChanged(from: Self.healthy, to: HealthVerdict(.degraded, "API 403 insufficient_scope: needs custom_mod"))),
            event(-89, "no-mod-scope", .resourceCalled(forbidden)),
            event(
                -30, "skewed",
                .clockSkewDetected(
                    ClockReading(
                        server: "http://127.0.0.1:8080", offset: 300.2, uncertainty: 0.5, source: .dateHeader, at: at(-30)))),
            event(
                -6, "post-client",
                .operatorAction(
                    ActionRecord(action: .revoke, client: "post-client", at: at(-6), succeeded: true, outcome: "token revoked"))),
            event(-5, "post-client", .introspected(active: false)),
            event(
                -4, "no-mod-scope",
                .operatorAction(
                    ActionRecord(
                        action: .diagnose, client: "no-mod-scope", at: at(-4), succeeded: true,
                        outcome: "diagnosis: missing_scope"))),
            event(
                -2, "jwt-client",
                .resourceCalled(ResourceResponse(status: 503, latency: .milliseconds(2), at: at(-2), bodyExcerpt: ""))),
            event(-1, "jwt-client", .resourceCalled(ok)),
        ]
    }
}
