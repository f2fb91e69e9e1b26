import Dashboard
import Foundation
import TokenModel

/// The fleets README's pictures show, at a fixed instant: the embedded demo's six clients as
/// they look a few seconds after start, and an issuer that went down. Nothing here is read
/// from a clock or a network, so every capture is the same on every machine.
public enum CaptureFixtures {
    /// 2026-11-27 04:14:42 UTC.
    public static let now = Date(timeIntervalSince1970: 1_795_752_882)
    static let demoIssuer = "http://127.0.0.1:9000/oauth2/default"
    static let downIssuer = "https://dev-8127.okta.example/oauth2/ausprod"
    static let resource = "http://127.0.0.1:8080/mod"
    static let message = #"{"message":"The message of the day is boring."}"#

    static func at(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(seconds) }

    static func token(
        _ client: String, scopes: [String], issued: TimeInterval = -7, lifetime: TimeInterval = 3600,
        refreshBefore: TimeInterval = 70
    ) -> TokenSummary {
        let issuedAt = at(issued)
        let expiresAt = issuedAt.addingTimeInterval(lifetime)
        let claims: [String: JSONValue] = [
            "iss": .string(demoIssuer), "sub": .string(client), "aud": .string("api://default"), "cid": .string(client),
            "iat": .number(issuedAt.timeIntervalSince1970), "exp": .number(expiresAt.timeIntervalSince1970),
            "jti": .string("AT.demo-\(client)"), "scp": .array(scopes.map { .string($0) }),
        ]
        return TokenSummary(
            masked: "eyJh…GA", tokenType: "Bearer",
            decoded: DecodedToken(
                format: .jwt, header: ["alg": .string("RS256"), "kid": .string("13NpVRo93Xn3rD3L")], claims: claims),
            issuedAt: issuedAt, expiresAt: expiresAt, refreshAt: expiresAt.addingTimeInterval(-refreshBefore), scopes: scopes,
            verdict: SignatureVerdict(.verified, "RS256 signature valid with key \"13NpVRo93Xn3rD3L\""), extraFields: [:])
    }

    static func answers(status: Int, challenge: String? = nil, body: String = message) -> [ResourceResponse] {
        [
            ResourceResponse(
                status: status, latency: .milliseconds(9), at: at(-1), wwwAuthenticate: challenge, bodyExcerpt: body,
                tokenSerial: 1)
        ]
    }

    static func client(
        _ name: String, scopes: [String] = ["custom_mod"], token: TokenSummary?, responses: [ResourceResponse] = [],
        lastError: OAuthError? = nil, halted: Bool = false, issuer: String = demoIssuer, resourceURI: String? = resource
    ) -> ClientSnapshot {
        var snapshot = ClientSnapshot(
            name: name, state: token == nil ? .error : .valid, token: token, lastError: lastError, retriesHalted: halted,
            responses: responses, configuredScopes: scopes, resourceURI: resourceURI, issuer: issuer)
        snapshot.state = snapshot.state(at: now)
        return snapshot
    }

    /// The embedded demo's clients; `apiStatus` is what `/mod` answers (503 when it is down).
    public static func demo(apiStatus: Int = 200) -> ManagerSnapshot {
        let down = apiStatus != 200
        func answer(_ status: Int, challenge: String? = nil) -> [ResourceResponse] {
            down ? answers(status: apiStatus, body: "Service Unavailable") : answers(status: status, challenge: challenge)
        }
        let invalidClient = OAuthError.server(
            code: "invalid_client", description: "client authentication failed", uri: nil, endpoint: demoIssuer + "/v1/token",
            httpStatus: 401)
        let clients = [
            client("jwt-client", token: token("jwt-client", scopes: ["custom_mod"]), responses: answer(200)),
            client("mod-client", token: token("mod-client", scopes: ["custom_mod"]), responses: answer(200)),
            client(
                "no-mod-scope", scopes: ["custom_read"], token: token("no-mod-scope", scopes: ["custom_read"]),
                responses: answer(403, challenge: #"Bearer error="insufficient_scope", scope="custom_mod""#)),
            client("post-client", token: token("post-client", scopes: ["custom_mod"]), responses: answer(200)),
            client(
                "short-lived", token: token("short-lived", scopes: ["custom_mod"], lifetime: 30, refreshBefore: 6),
                responses: answer(200)),
            client("wrong-secret", token: nil, lastError: invalidClient, halted: true),
        ]
        return ManagerSnapshot(generation: 4, takenAt: now, clients: clients)
    }

    /// One client whose token endpoint refuses connections.
    public static func refused() -> ManagerSnapshot {
        let error = OAuthError.network(
            .connectionRefused, "connection refused (nothing listens there)", endpoint: "http://127.0.0.1:9999/oauth2/v1/token")
        var gone = client("gone-auth", scopes: ["read"], token: nil, lastError: error, resourceURI: nil)
        gone.nextRetryAt = at(2)
        return ManagerSnapshot(generation: 2, takenAt: now, clients: [gone])
    }

    /// The demo's clients and four of an issuer nothing listens for, each waiting a little
    /// differently for its next try.
    public static func twoIssuers() -> ManagerSnapshot {
        var snapshot = demo()
        let endpoint = downIssuer + "/v1/token"
        for (offset, name) in ["orders-sync", "billing-batch", "inventory-feed", "ledger"].enumerated() {
            let refused = OAuthError.network(.connectionRefused, "connection refused (nothing listens there)", endpoint: endpoint)
            var down = client(name, scopes: ["orders.read"], token: nil, lastError: refused, issuer: downIssuer, resourceURI: nil)
            down.nextRetryAt = at(Double(2 + offset))
            snapshot.clients.append(down)
        }
        return snapshot
    }
}
