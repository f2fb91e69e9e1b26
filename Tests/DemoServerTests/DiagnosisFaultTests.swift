import DemoServer
import Foundation
import JWTKit
import Testing
import TokenTesting

/// The faults that reproduce each cause of "why is my token rejected?": a breaking key rotation,
/// a wrong clock at the authorization server, and an API that expects another audience or issuer.
@Suite("Faults that reproduce each cause of a rejected token")
struct DiagnosisFaultTests {
    private func admin(_ demo: DemoEnvironment, _ json: String) async throws -> Answer {
        try await HTTP.send(
            demo.endpoints.adminFaultsURL, post: true,
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(demo.adminToken)")],
            body: Data(json.utf8))
    }

    private func kids(_ demo: DemoEnvironment) async throws -> [String] {
        (try await HTTP.get(demo.jwksURI).json["keys"] as? [[String: Any]] ?? []).compactMap { $0["kid"] as? String }
    }

    private static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    @Test("a breaking rotation removes the old key at once; a JWT API refuses its tokens once its cache expires")
    func breakingRotationJWT() async throws {
        let clock = ManualClock(now: Date())
        try await withDemo(DemoServerOptions(clock: clock)) { demo in
            let before = try await demo.token(for: "mod-client")
            let oldKID = try #require(jwtParts(before).header["kid"] as? String)
            #expect(try await HTTP.get(demo.resourceURL, bearer: before).status == 200)

            let set = try await admin(demo, #"{"breaking_rotation": true, "rotate_keys": true}"#)
            #expect(set.status == 200)
            #expect(set.json["breaking_rotation"] as? Bool == true)
            let published = try await kids(demo)
            #expect(published.count == 1)
            #expect(!published.contains(oldKID))
            #expect(try await demo.introspect(before).json["active"] as? Bool == false)
            // The API's cached key set still holds the old key, as real APIs' caches do ...
            #expect(try await HTTP.get(demo.resourceURL, bearer: before).status == 200)
            // ... until the cache expires.
            clock.advance(by: 301)
            let refused = try await HTTP.get(demo.resourceURL, bearer: before)
            #expect(refused.status == 401)
            #expect(refused.header("WWW-Authenticate")?.contains("a key the issuer does not publish") == true)
            #expect(try await HTTP.get(demo.resourceURL, bearer: try await demo.token(for: "mod-client")).status == 200)
        }
    }

    @Test("a breaking rotation is seen at once by an API that introspects; the flag works through the API too")
    func breakingRotationIntrospect() async throws {
        let options = DemoServerOptions(validationMode: .introspect, faults: DemoFaults(breakingRotation: true))
        try await withDemo(options) { demo in
            let before = try await demo.token(for: "mod-client")
            try await demo.rotateKeys()
            #expect(try await kids(demo).count == 1)
            let refused = try await HTTP.get(demo.resourceURL, bearer: before)
            #expect(refused.status == 401)
            #expect(refused.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
        }
    }

    @Test("a clock offset shifts the authorization server's iat, nbf, exp and Date header, and its judgement of time")
    func clockOffset() async throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_900_000_000))
        let options = DemoServerOptions(faults: DemoFaults(clockOffset: .seconds(300)), clock: clock)
        try await withDemo(options) { demo in
            let client = demo.client("mod-client")
            let answer = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, client.secret!))
            #expect(answer.status == 200)
            #expect(answer.header("Date") == Self.httpDate(clock.now().addingTimeInterval(300)))
            let claims = jwtParts(try #require(answer.json["access_token"] as? String)).claims
            #expect(claims["iat"] as? Int == 1_900_000_300)
            #expect(claims["nbf"] as? Int == 1_900_000_300)
            #expect(claims["exp"] as? Int == 1_900_000_300 + 3600)
            // The JWKS and metadata answers carry the same wrong time.
            #expect(try await HTTP.get(demo.jwksURI).header("Date") == Self.httpDate(clock.now().addingTimeInterval(300)))

            // Set back by 90 seconds through the admin endpoint.
            let set = try await admin(demo, #"{"clock_offset_seconds": -90}"#)
            #expect(set.json["clock_offset_seconds"] as? Double == -90)
            let late = jwtParts(try await demo.token(for: "mod-client")).claims
            #expect(late["iat"] as? Int == 1_900_000_000 - 90)
            #expect(try await HTTP.get(demo.jwksURI).header("Date") == Self.httpDate(clock.now().addingTimeInterval(-90)))

            // A server whose clock is ahead thinks tokens expire early: introspection says inactive.
            // (Issued 90 s late, for an hour: it has 58.5 minutes left by the true clock.)
            let token = try await demo.token(for: "mod-client")
            #expect(try await demo.introspect(token).json["active"] as? Bool == true)
            _ = try await admin(demo, #"{"clock_offset_seconds": 3600}"#)
            #expect(try await demo.introspect(token).json["active"] as? Bool == false)
            // The API's clock is right: a JWT API still takes the token.
            #expect(try await HTTP.get(demo.resourceURL, bearer: token).status == 200)
        }
    }

    @Test("a server whose clock is ahead refuses a client assertion that is fresh by the client's clock")
    func clockOffsetAndAssertions() async throws {
        try await withDemo(DemoServerOptions(faults: DemoFaults(clockOffset: .seconds(600)))) { demo in
            let keyFile = try #require(demo.client("jwt-client").privateKeyFile)
            let answer = try await PrivateKeyJWT.requestToken(demo, keyFile: keyFile, expiresIn: 60)
            #expect(answer.status == 401)
            #expect(answer.error == "invalid_client")
            #expect((answer.json["error_description"] as? String)?.contains("expired") == true)
            _ = try await admin(demo, #"{"clock_offset_seconds": 0}"#)
            #expect(try await PrivateKeyJWT.requestToken(demo, keyFile: keyFile, expiresIn: 60).status == 200)
        }
    }

    @Test(
        "an API that expects another audience or issuer refuses good tokens, in both modes",
        arguments: TokenValidationMode.allCases)
    func expectations(mode: TokenValidationMode) async throws {
        let options = DemoServerOptions(validationMode: mode, faults: DemoFaults(resourceExpectedAudience: "api://orders"))
        try await withDemo(options) { demo in
            let token = try await demo.token(for: "mod-client")
            let wrongAudience = try await HTTP.get(demo.resourceURL, bearer: token)
            #expect(wrongAudience.status == 401)
            #expect(wrongAudience.header("WWW-Authenticate")?.contains("the token's audience is not api://orders") == true)

            let issuer = try await admin(
                demo, #"{"resource_expect_audience": null, "resource_expect_issuer": "https://login.example.com/oauth2/other"}"#)
            #expect(issuer.json["resource_expect_audience"] is NSNull)
            #expect(issuer.json["resource_expect_issuer"] as? String == "https://login.example.com/oauth2/other")
            let wrongIssuer = try await HTTP.get(demo.resourceURL, bearer: token)
            #expect(wrongIssuer.status == 401)
            #expect(
                wrongIssuer.header("WWW-Authenticate")?.contains(
                    "the token's issuer is not https://login.example.com/oauth2/other") == true)

            _ = try await admin(demo, #"{"resource_expect_issuer": null}"#)
            #expect(try await HTTP.get(demo.resourceURL, bearer: token).status == 200)
        }
    }

    @Test("absurd numbers for the new faults are refused with 400, never a trap")
    func hostileAdminValues() async throws {
        try await withDemo { demo in
            for nonsense in [
                #"{"clock_offset_seconds": 1e300}"#, #"{"clock_offset_seconds": -1e300}"#, #"{"clock_offset_seconds": "5m"}"#,
                #"{"rotate_keys_every_seconds": 1e300}"#, #"{"breaking_rotation": 1}"#,
                #"{"resource_expect_audience": ""}"#, #"{"resource_expect_issuer": "a\nb"}"#,
            ] {
                let answer = try await admin(demo, nonsense)
                #expect(answer.status == 400, "\(nonsense)")
                #expect(answer.error == "invalid_request", "\(nonsense)")
            }
            #expect(await demo.faults == .none)
        }
    }
}

/// Signs a `private_key_jwt` assertion with the demo client's key and asks for a token.
enum PrivateKeyJWT {
    static func requestToken(_ demo: DemoEnvironment, keyFile: String, expiresIn: TimeInterval) async throws -> Answer {
        let key = try ES256PrivateKey(pem: String(contentsOfFile: keyFile, encoding: .utf8))
        let claims = AssertionClaims(
            iss: "jwt-client", sub: "jwt-client", aud: AudienceClaim(value: [demo.tokenEndpoint.absoluteString]),
            exp: ExpirationClaim(value: Date().addingTimeInterval(expiresIn)), jti: UUID().uuidString)
        let assertion = try await JWTKeyCollection().add(ecdsa: key).sign(claims)
        return try await HTTP.postForm(
            demo.tokenEndpoint,
            [
                ("grant_type", "client_credentials"), ("client_id", "jwt-client"),
                ("client_assertion_type", ClientAssertionTypes.jwtBearer), ("client_assertion", assertion),
            ])
    }

    private struct AssertionClaims: JWTPayload {
        var iss: String
        var sub: String
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var jti: String

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
