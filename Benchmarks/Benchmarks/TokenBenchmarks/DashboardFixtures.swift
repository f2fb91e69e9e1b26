import Dashboard
import Foundation
import OAuthClient
import TokenLifecycle
import TokenModel

/// A thousand-client snapshot built by hand, as the dashboard tests build theirs: a mix of
/// states, JWT and opaque tokens, resource responses and fetch history, so that every column
/// of the table has something to draw.
enum DashboardFixtures {
    static let now = Date(timeIntervalSince1970: 1_795_748_400)

    static let context = ScreenContext(
        configurationPath: "/home/ops/.config/tokentop/tokentop.yaml", colorDepth: .full256, glyphs: .unicode)

    static let size = TerminalSize(columns: 120, rows: 40)

    static func snapshot(clients count: Int, generation: UInt64 = 1) -> ManagerSnapshot {
        let clients = (0..<count).map { index in client(index) }
        return ManagerSnapshot(generation: generation, takenAt: now, clients: clients)
    }

    /// A fleet as the screens beyond the table see it: every JWT client watching one issuer's
    /// key set (five keys, after a burst of changes; each client's copy fetched at its own
    /// time), and the manager's full event log (`TokenManager.recentEventLimit` events).
    static func fleet(clients count: Int) -> ManagerSnapshot {
        var snapshot = snapshot(clients: count)
        for index in snapshot.clients.indices where snapshot.clients[index].token?.decoded.format == .jwt {
            snapshot.clients[index].keySet = keySet(fetched: -Double(index % 300))
        }
        snapshot.recentEvents = (0..<TokenManager.recentEventLimit).map { step in
            event(step, client: snapshot.clients[(step * 7) % count].name)
        }
        return snapshot
    }

    /// Each screen's view, named as the benchmarks are: the list with its detail pane, the
    /// zoomed client, the key sets, the event log, and help over the list.
    static func screens(selecting client: String) -> [(name: String, state: ViewState)] {
        let list = ViewState(selectedClient: client)
        var zoom = list
        zoom.isZoomed = true
        var keySets = list
        keySets.screen = .keySets
        var events = list
        events.screen = .events
        var help = list
        help.isHelpVisible = true
        return [("list", list), ("zoom", zoom), ("key sets", keySets), ("event log", events), ("help", help)]
    }

    private static func keySet(fetched: TimeInterval) -> KeySetStatus {
        let keys = (1...5).map { number in
            PublishedKey(
                kid: "demo-key-\(number)", type: "RSA 2048", algorithm: "RS256", use: "sig",
                firstSeen: at(-3600 + Double(number * 60) + fetched), lastSeen: at(fetched))
        }
        let changes =
            (2...5).map { KeySetChange(kind: .added, kid: "demo-key-\($0)", at: at(-3600 + Double($0 * 60))) }
            + [KeySetChange(kind: .removed, kid: "demo-key-0", at: at(-3000))]
        return KeySetStatus(
            source: "http://127.0.0.1:8080/oauth2/default/v1/keys", keys: keys, changes: changes, fetchedAt: at(fetched),
            maxAge: .seconds(300))
    }

    private static func event(_ step: Int, client: String) -> ManagerEvent {
        let at = at(-Double(TokenManager.recentEventLimit - step))
        let kind: ManagerEvent.Kind =
            switch step % 4 {
            case 0:
                .tokenFetched(reason: .scheduled, latency: .milliseconds(60 + step % 30), expiresAt: at.addingTimeInterval(3600))
            case 1:
                .resourceCalled(
                    ResourceResponse(status: step % 8 == 1 ? 401 : 200, latency: .milliseconds(9), at: at, bodyExcerpt: ""))
            case 2: .signatureChecked(SignatureVerdict(.verified, "RS256 signature valid with key demo-key-1"))
            default:
                .keySetChanged(
                    source: "http://127.0.0.1:8080/oauth2/default/v1/keys",
                    change: KeySetChange(kind: .added, kid: "demo-key-\(step)", at: at))
            }
        return ManagerEvent(at: at, client: client, kind: kind)
    }

    private static func at(_ seconds: TimeInterval) -> Date { now.addingTimeInterval(seconds) }

    private static func client(_ index: Int) -> ClientSnapshot {
        let name = "client-\(String(format: "%04d", index))"
        let scopes = index % 3 == 0 ? ["custom_mod", "billing.read"] : ["custom_mod"]
        let responses = (0..<3).map { step in
            ResourceResponse(
                status: step == 2 && index % 17 == 0 ? 401 : 200, latency: .milliseconds(8 + (index + step * 7) % 50),
                at: at(-Double(30 - step * 10)), bodyExcerpt: #"{"message":"hello \#(name)"}"#)
        }
        let history = [
            FetchRecord(
                reason: .startup, startedAt: at(-3600), latency: .milliseconds(90 + index % 40), error: nil,
                claimChanges: [], expiresAt: at(-Double(index % 300))),
            FetchRecord(
                reason: .scheduled, startedAt: at(-Double(index % 300) - 1), latency: .milliseconds(60 + index % 25),
                error: nil, claimChanges: index % 5 == 0 ? ["~jti", "~exp"] : [], expiresAt: at(600 - Double(index % 300))),
        ]
        switch index % 10 {
        case 7:
            let error = OAuthError.server(
                code: "invalid_client", description: "Client authentication failed", uri: nil,
                endpoint: "http://127.0.0.1:8080/oauth2/default/v1/token", httpStatus: 401)
            return ClientSnapshot(
                name: name, state: .error, lastError: error, nextRetryAt: at(Double(5 + index % 30)), history: history,
                configuredScopes: scopes, resourceURI: "http://127.0.0.1:8081/mod")
        case 9:
            let token = TokenSummary(
                masked: "8f2c…a1", tokenType: "Bearer", decoded: DecodedToken(format: .opaque), issuedAt: at(-60),
                expiresAt: at(7140), refreshAt: at(6840), scopes: scopes,
                verdict: SignatureVerdict(.unverified, "opaque token: it can only be introspected"),
                extraFields: ["ext_expires_in": .number(7200)])
            return ClientSnapshot(
                name: name, state: .valid, token: token, responses: responses, history: history, configuredScopes: scopes)
        default:
            let lifetime: TimeInterval = index % 4 == 0 ? 300 : 3600
            let issued = -Double(index % Int(lifetime))
            return ClientSnapshot(
                name: name, state: .valid, token: jwt(name: name, issued: issued, lifetime: lifetime, scopes: scopes),
                responses: responses, history: history, pollingPaused: index % 13 == 0, configuredScopes: scopes,
                resourceURI: "http://127.0.0.1:8081/mod")
        }
    }

    private static func jwt(name: String, issued: TimeInterval, lifetime: TimeInterval, scopes: [String]) -> TokenSummary {
        let issuedAt = at(issued)
        let expiresAt = issuedAt.addingTimeInterval(lifetime)
        let claims: [String: JSONValue] = [
            "iss": .string("http://127.0.0.1:8080/oauth2/default"), "sub": .string(name), "aud": .string("api://default"),
            "iat": .number(issuedAt.timeIntervalSince1970), "exp": .number(expiresAt.timeIntervalSince1970),
            "jti": .string("AT.\(name)-0001"), "scope": .string(scopes.joined(separator: " ")), "cid": .string(name),
            "scp": .array(scopes.map(JSONValue.string)),
        ]
        return TokenSummary(
            masked: "eyJr…9Q", tokenType: "Bearer",
            decoded: DecodedToken(
                format: .jwt, header: ["alg": .string("RS256"), "kid": .string("demo-key-1"), "typ": .string("JWT")],
                claims: claims),
            issuedAt: issuedAt, expiresAt: expiresAt, refreshAt: expiresAt.addingTimeInterval(-60), scopes: scopes,
            verdict: SignatureVerdict(.verified, "RS256 signature valid with key demo-key-1"), extraFields: [:])
    }
}
