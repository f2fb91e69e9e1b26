import DemoServer
import Foundation
import Testing
import TokenTesting

@Suite("The /mod resource server (RFC 6750)")
struct ResourceServerTests {
    @Test(
        "a token with custom_mod gets the message of the day, in both validation modes", arguments: TokenValidationMode.allCases)
    func messageOfTheDay(mode: TokenValidationMode) async throws {
        try await withDemo(DemoServerOptions(validationMode: mode)) { demo in
            let token = try await demo.token(for: "mod-client")
            let answer = try await HTTP.get(demo.resourceURL, bearer: token)
            #expect(answer.status == 200)
            #expect(answer.text == "The message of the day is boring for user: mod-client")
        }
    }

    @Test("no token is 401 with a bare Bearer challenge; an empty one is 400 invalid_request")
    func missingToken() async throws {
        try await withDemo { demo in
            let none = try await HTTP.get(demo.resourceURL)
            #expect(none.status == 401)
            #expect(none.header("WWW-Authenticate") == "Bearer realm=\"tokentop-demo\"")
            let basic = try await HTTP.send(demo.resourceURL, headers: [("Authorization", "Basic Zm9vOmJhcg==")])
            #expect(basic.status == 401)
            #expect(basic.header("WWW-Authenticate")?.contains("error=") == false)
            let empty = try await HTTP.send(demo.resourceURL, headers: [("Authorization", "Bearer ")])
            #expect(empty.status == 400)
            #expect(empty.header("WWW-Authenticate")?.contains("error=\"invalid_request\"") == true)
        }
    }

    @Test("a badly signed or garbage token is 401 invalid_token, in both modes", arguments: TokenValidationMode.allCases)
    func badTokens(mode: TokenValidationMode) async throws {
        try await withDemo(DemoServerOptions(validationMode: mode)) { demo in
            let token = try await demo.token(for: "mod-client")
            var segments = token.split(separator: ".").map(String.init)
            segments[2] = String(segments[2].reversed())
            let tampered = segments.joined(separator: ".")
            for bad in [tampered, "garbage", "a.b.c"] {
                let answer = try await HTTP.get(demo.resourceURL, bearer: bad)
                #expect(answer.status == 401, "\(mode): \(answer.text)")
                let challenge = answer.header("WWW-Authenticate") ?? ""
                #expect(challenge.hasPrefix("Bearer realm=\"tokentop-demo\", error=\"invalid_token\", error_description=\""))
            }
        }
    }

    @Test("a valid token without custom_mod is 403 insufficient_scope, in both modes", arguments: TokenValidationMode.allCases)
    func insufficientScope(mode: TokenValidationMode) async throws {
        try await withDemo(DemoServerOptions(validationMode: mode)) { demo in
            let token = try await demo.token(for: "no-mod-scope")
            let answer = try await HTTP.get(demo.resourceURL, bearer: token)
            #expect(answer.status == 403)
            let challenge = answer.header("WWW-Authenticate") ?? ""
            #expect(challenge.contains("error=\"insufficient_scope\""))
            #expect(challenge.contains("scope=\"custom_mod\""))
        }
    }

    @Test("an expired token is 401 invalid_token, in both modes", arguments: TokenValidationMode.allCases)
    func expiredToken(mode: TokenValidationMode) async throws {
        let clock = ManualClock(now: Date())
        try await withDemo(DemoServerOptions(validationMode: mode, clock: clock)) { demo in
            let token = try await demo.token(for: "short-lived")
            #expect(try await HTTP.get(demo.resourceURL, bearer: token).status == 200)
            clock.advance(by: 31)
            let answer = try await HTTP.get(demo.resourceURL, bearer: token)
            #expect(answer.status == 401)
            #expect(answer.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
        }
    }

    @Test("introspect mode refuses a revoked token at once; jwt mode accepts it until it expires, as local verification does")
    func revokedToken() async throws {
        for mode in TokenValidationMode.allCases {
            try await withDemo(DemoServerOptions(validationMode: mode)) { demo in
                let client = demo.client("mod-client")
                let token = try await demo.token(for: "mod-client")
                #expect(try await HTTP.get(demo.resourceURL, bearer: token).status == 200)
                let revoked = try await HTTP.postForm(
                    demo.revocationEndpoint, [("token", token)], basic: (client.clientID, client.secret!))
                #expect(revoked.status == 200)
                #expect(try await demo.introspect(token).json["active"] as? Bool == false)
                let answer = try await HTTP.get(demo.resourceURL, bearer: token)
                switch mode {
                case .introspect:
                    #expect(answer.status == 401)
                    #expect(answer.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
                case .jwt:
                    #expect(answer.status == 200)
                }
            }
        }
    }

    @Test("a token from another issuer is 401 invalid_token, in both modes", arguments: TokenValidationMode.allCases)
    func otherIssuer(mode: TokenValidationMode) async throws {
        let foreign = try await withDemo { demo in try await demo.token(for: "mod-client") }
        try await withDemo(DemoServerOptions(validationMode: mode)) { demo in
            let answer = try await HTTP.get(demo.resourceURL, bearer: foreign)
            #expect(answer.status == 401)
            #expect(answer.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
        }
    }
}
