import Dashboard
import Foundation
import TokenModel

/// Clients whose tokens are rejected, one per cause, with the key set they watch and the event
/// log that led there; same instant as `Fixtures.now`.
extension Fixtures {
    static let jwksURI = "http://127.0.0.1:8080/oauth2/default/v1/keys"

    /// The issuer's key set after a breaking rotation two minutes ago: demo-key-1 left, demo-key-2 came.
    static func rotatedKeySet(fetched: TimeInterval = -20) -> KeySetStatus {
        KeySetStatus(
            source: jwksURI,
            keys: [
                PublishedKey(kid: "demo-key-2", type: "RSA 2048", algorithm: "RS256", use: "sig", firstSeen: at(-120), lastSeen: at(fetched)),
                PublishedKey(kid: "ec-key-7", type: "EC P-256", algorithm: "ES256", use: nil, firstSeen: at(-3600), lastSeen: at(fetched)),
            ],
            changes: [
                KeySetChange(kind: .added, kid: "demo-key-2", at: at(-120)),
                KeySetChange(kind: .removed, kid: "demo-key-1", at: at(-120)),
            ],
            fetchedAt: at(fetched), maxAge: .seconds(300))
    }

    static func token(_ name: String, kid: String, scopes: [String], issued: TimeInterval = -600) -> TokenSummary {
        var token = jwt(name: name, issued: issued, lifetime: 3600, scopes: scopes)
        token.decoded.header["kid"] = .string(kid)
        token.verdict = SignatureVerdict(.verified, "RS256 signature valid with key \(kid)")
        return token
    }

    /// Five clients: one fine, one per diagnosis the demo reproduces.
    static func diagnosisSnapshot() -> ManagerSnapshot {
        let okAnswer = ResourceResponse(status: 200, latency: .milliseconds(9), at: at(-2), bodyExcerpt: #"{"message":"hello"}"#)
        let modClient = ClientSnapshot(
            name: "mod-client", state: .valid, token: token("mod-client", kid: "demo-key-2", scopes: ["custom_mod"], issued: -100),
            responses: [okAnswer], configuredScopes: ["custom_mod"], resourceURI: "http://127.0.0.1:8081/mod",
            keySet: rotatedKeySet())
        let noScope = ClientSnapshot(
            name: "no-mod-scope", state: .valid, token: token("no-mod-scope", kid: "demo-key-2", scopes: ["openid"], issued: -100),
            responses: [ResourceResponse(
                status: 403, latency: .milliseconds(4), at: at(-3),
                wwwAuthenticate: #"Bearer error="insufficient_scope", error_description="the token lacks a scope", scope="custom_mod""#,
                bodyExcerpt: #"{"error":"insufficient_scope"}"#)],
            configuredScopes: ["openid"], resourceURI: "http://127.0.0.1:8081/mod", keySet: rotatedKeySet(fetched: -90))
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
            clockReadings: [ClockReading(server: "http://127.0.0.1:8080", offset: 300.2, uncertainty: 0.5, source: .dateHeader, at: at(-30))])
        let mismatch = ClientSnapshot(
            name: "other-aud", state: .valid, token: token("other-aud", kid: "demo-key-2", scopes: ["custom_mod"], issued: -100),
            introspection: IntrospectionResult(active: true, fields: ["active": .bool(true)], checkedAt: at(-4)),
            responses: [ResourceResponse(
                status: 401, latency: .milliseconds(3), at: at(-4),
                wwwAuthenticate: #"Bearer error="invalid_token", error_description="the token's audience is not api://orders""#,
                bodyExcerpt: #"{"error":"invalid_token"}"#)],
            configuredScopes: ["custom_mod"], resourceURI: "http://127.0.0.1:8081/mod")
        return ManagerSnapshot(
            generation: 3, takenAt: now, clients: [mismatch, rotated, modClient, noScope, revoked, skewed], recentEvents: events())
    }

    /// The log behind `diagnosisSnapshot`, oldest first: repeated API answers included, as the manager records them.
    static func events() -> [ManagerEvent] {
        func event(_ seconds: TimeInterval, _ client: String, _ kind: ManagerEvent.Kind) -> ManagerEvent {
            ManagerEvent(at: at(seconds), client: client, kind: kind)
        }
        let ok = ResourceResponse(status: 200, latency: .milliseconds(9), at: at(-2), bodyExcerpt: "")
        let forbidden = ResourceResponse(
            status: 403, latency: .milliseconds(4), at: at(-3),
            wwwAuthenticate: #"Bearer error="insufficient_scope", scope="custom_mod""#, bodyExcerpt: "")
        let healthy = HealthVerdict(.ok, "valid 59m59s, signature verified, API 200")
        return [
            event(-700, "jwt-client", .tokenFetched(reason: .startup, latency: .milliseconds(142), expiresAt: at(2900))),
            event(-700, "jwt-client", .signatureChecked(SignatureVerdict(.verified, "RS256 signature valid with key demo-key-1"))),
            event(-699, "jwt-client", .resourceCalled(ok)),
            event(-699, "jwt-client", .healthChanged(from: nil, to: healthy)),
            event(-689, "jwt-client", .resourceCalled(ok)),
            event(-679, "jwt-client", .resourceCalled(ok)),
            event(-300, "post-client", .tokenFailed(
                reason: .scheduled, latency: .milliseconds(35),
                error: .server(code: "temporarily_unavailable", description: "try again later", uri: nil,
                               endpoint: "http://127.0.0.1:8080/token", httpStatus: 503))),
            event(-120, "jwt-client", .keySetChanged(source: jwksURI, change: KeySetChange(kind: .added, kid: "demo-key-2", at: at(-120)))),
            event(-120, "jwt-client", .keySetChanged(source: jwksURI, change: KeySetChange(kind: .removed, kid: "demo-key-1", at: at(-120)))),
            event(-100, "no-mod-scope", .tokenFetched(reason: .manual, latency: .milliseconds(20), expiresAt: at(3500))),
            event(-99, "no-mod-scope", .resourceCalled(forbidden)),
            event(-99, "no-mod-scope", .healthChanged(from: healthy, to: HealthVerdict(.degraded, "API 403 insufficient_scope: needs custom_mod"))),
            event(-89, "no-mod-scope", .resourceCalled(forbidden)),
            event(-30, "skewed", .clockSkewDetected(ClockReading(server: "http://127.0.0.1:8080", offset: 300.2, uncertainty: 0.5, source: .dateHeader, at: at(-30)))),
            event(-6, "post-client", .operatorAction(ActionRecord(action: .revoke, client: "post-client", at: at(-6), succeeded: true, outcome: "token revoked"))),
            event(-5, "post-client", .introspected(active: false)),
            event(-4, "no-mod-scope", .operatorAction(ActionRecord(
                action: .diagnose, client: "no-mod-scope", at: at(-4), succeeded: true, outcome: "diagnosis: missing_scope"))),
            event(-2, "jwt-client", .resourceCalled(ResourceResponse(status: 503, latency: .milliseconds(2), at: at(-2), bodyExcerpt: ""))),
            event(-1, "jwt-client", .resourceCalled(ok)),
        ]
    }
}
