import DemoServer
import Foundation
import Testing
import TokenTesting

@Suite("Introspection (RFC 7662) and revocation (RFC 7009)")
struct IntrospectionRevocationTests {
    @Test("an active token's introspection carries scope, client_id, sub, exp, iat, iss, aud, token_type and jti")
    func activeToken() async throws {
        try await withDemo { demo in
            let token = try await demo.token(for: "mod-client")
            let answer = try await demo.introspect(token)
            #expect(answer.status == 200)
            #expect(answer.header("Cache-Control") == "no-store")
            let json = answer.json
            let claims = jwtParts(token).claims
            #expect(json["active"] as? Bool == true)
            #expect(json["scope"] as? String == "custom_mod")
            #expect(json["client_id"] as? String == "mod-client")
            #expect(json["sub"] as? String == "mod-client")
            #expect(json["iss"] as? String == demo.issuer.absoluteString)
            #expect(json["aud"] as? String == "api://default")
            #expect(json["token_type"] as? String == "Bearer")
            #expect(json["exp"] as? Int == claims["exp"] as? Int)
            #expect(json["iat"] as? Int == claims["iat"] as? Int)
            #expect(json["jti"] as? String == claims["jti"] as? String)
        }
    }

    @Test("unknown, tampered and expired tokens are active: false")
    func inactiveTokens() async throws {
        let clock = ManualClock(now: Date())
        try await withDemo(DemoServerOptions(clock: clock)) { demo in
            #expect(try await demo.introspect("not-a-token").json["active"] as? Bool == false)
            let token = try await demo.token(for: "short-lived")
            #expect(try await demo.introspect(String(token.dropLast(2)) + "xx").json["active"] as? Bool == false)
            #expect(try await demo.introspect(token).json["active"] as? Bool == true)
            clock.advance(by: 31)
            let expired = try await demo.introspect(token)
            #expect(expired.json["active"] as? Bool == false)
            #expect(expired.json.count == 1)
        }
    }

    @Test("introspection needs client authentication")
    func introspectionNeedsAuthentication() async throws {
        try await withDemo { demo in
            let token = try await demo.token(for: "mod-client")
            let anonymous = try await HTTP.postForm(demo.introspectionEndpoint, [("token", token)])
            #expect(anonymous.status == 401)
            #expect(anonymous.error == "invalid_client")
            let wrong = try await HTTP.postForm(demo.introspectionEndpoint, [("token", token)], basic: ("mod-client", "wrong"))
            #expect(wrong.status == 401)
            #expect(wrong.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
            // Any registered client may introspect, including the token's own.
            let own = demo.client("mod-client")
            let mine = try await HTTP.postForm(demo.introspectionEndpoint, [("token", token)], basic: (own.clientID, own.secret!))
            #expect(mine.json["active"] as? Bool == true)
        }
    }

    @Test("revocation answers 200, even for unknown tokens, and introspection then says inactive")
    func revocation() async throws {
        try await withDemo { demo in
            let client = demo.client("mod-client")
            let credentials = (client.clientID, client.secret!)
            let token = try await demo.token(for: "mod-client")
            let revoked = try await HTTP.postForm(
                demo.revocationEndpoint, [("token", token), ("token_type_hint", "access_token")], basic: credentials)
            #expect(revoked.status == 200)
            #expect(revoked.body.isEmpty)
            #expect(try await demo.introspect(token).json["active"] as? Bool == false)

            let unknown = try await HTTP.postForm(demo.revocationEndpoint, [("token", "never-issued")], basic: credentials)
            #expect(unknown.status == 200)
            let again = try await HTTP.postForm(demo.revocationEndpoint, [("token", token)], basic: credentials)
            #expect(again.status == 200)
        }
    }

    @Test("revocation needs client authentication and refuses another client's token")
    func revocationRefusals() async throws {
        try await withDemo { demo in
            let token = try await demo.token(for: "mod-client")
            let anonymous = try await HTTP.postForm(demo.revocationEndpoint, [("token", token)])
            #expect(anonymous.status == 401)
            #expect(anonymous.error == "invalid_client")
            let other = demo.client("post-client")
            let foreign = try await HTTP.postForm(
                demo.revocationEndpoint, [("token", token), ("client_id", other.clientID), ("client_secret", other.secret!)])
            #expect(foreign.status == 400)
            #expect(foreign.error == "unauthorized_client")
            #expect(try await demo.introspect(token).json["active"] as? Bool == true)
        }
    }
}
