import DemoServer
import Foundation
import JWTKit
import Testing

@Suite("private_key_jwt client authentication (RFC 7523)")
struct PrivateKeyJWTTests {
    private struct Assertion: JWTPayload {
        var iss: String?
        var sub: String?
        var aud: AudienceClaim?
        var exp: ExpirationClaim?
        var iat: IssuedAtClaim?
        var jti: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private func sign(_ assertion: Assertion, keyFile: String) async throws -> String {
        let key = try ES256PrivateKey(pem: String(contentsOfFile: keyFile, encoding: .utf8))
        return try await JWTKeyCollection().add(ecdsa: key).sign(assertion)
    }

    private func assertion(
        _ demo: DemoEnvironment, aud: String? = nil, exp: Date? = Date().addingTimeInterval(60), jti: String? = UUID().uuidString,
        sub: String = "jwt-client"
    ) -> Assertion {
        Assertion(
            iss: "jwt-client", sub: sub, aud: AudienceClaim(value: [aud ?? demo.tokenEndpoint.absoluteString]),
            exp: exp.map { ExpirationClaim(value: $0) }, iat: IssuedAtClaim(value: Date()), jti: jti)
    }

    private func requestToken(
        _ demo: DemoEnvironment, assertion: String, type: String = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ) async throws -> Answer {
        try await HTTP.postForm(
            demo.tokenEndpoint,
            [
                ("grant_type", "client_credentials"), ("client_id", "jwt-client"),
                ("client_assertion_type", type), ("client_assertion", assertion),
            ])
    }

    @Test("the key is written to a fresh temp file with mode 0600 and a signed assertion gets a token")
    func goodAssertion() async throws {
        try await withDemo { demo in
            let keyFile = try #require(demo.client("jwt-client").privateKeyFile)
            let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let signed = try await sign(assertion(demo), keyFile: keyFile)
            let answer = try await requestToken(demo, assertion: signed)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(jwtParts(answer.json["access_token"] as? String ?? "").claims["sub"] as? String == "jwt-client")

            let issuerAudience = try await sign(assertion(demo, aud: demo.issuer.absoluteString), keyFile: keyFile)
            #expect(try await requestToken(demo, assertion: issuerAudience).status == 200)
        }
    }

    @Test("a replayed jti, a wrong aud, a missing exp, an expired one or another key's signature are invalid_client")
    func refusedAssertions() async throws {
        try await withDemo { demo in
            let keyFile = try #require(demo.client("jwt-client").privateKeyFile)
            let signed = try await sign(assertion(demo), keyFile: keyFile)
            #expect(try await requestToken(demo, assertion: signed).status == 200)
            let replay = try await requestToken(demo, assertion: signed)
            #expect(replay.status == 401)
            #expect(replay.error == "invalid_client")
            #expect((replay.json["error_description"] as? String)?.contains("jti") == true)

            let refusals: [(String, String)] = [
                ("wrong aud", try await sign(assertion(demo, aud: "https://elsewhere.example/token"), keyFile: keyFile)),
                ("no exp", try await sign(assertion(demo, exp: nil), keyFile: keyFile)),
                ("expired", try await sign(assertion(demo, exp: Date().addingTimeInterval(-10)), keyFile: keyFile)),
                ("no jti", try await sign(assertion(demo, jti: nil), keyFile: keyFile)),
                ("sub differs", try await sign(assertion(demo, sub: "mod-client"), keyFile: keyFile)),
                ("another key", try await JWTKeyCollection().add(ecdsa: ES256PrivateKey()).sign(assertion(demo))),
                ("not a JWT", "not.a.jwt"),
            ]
            for (name, assertion) in refusals {
                let answer = try await requestToken(demo, assertion: assertion)
                #expect(answer.status == 401, "\(name): \(answer.text)")
                #expect(answer.error == "invalid_client", "\(name)")
            }
            let wrongType = try await requestToken(
                demo, assertion: try await sign(assertion(demo), keyFile: keyFile), type: "urn:example:saml")
            #expect(wrongType.status == 400)
            #expect(wrongType.error == "invalid_request")
        }
    }

    /// A token of jwt-client's own, which it may revoke; the token endpoint's URL is its `aud` in every mode.
    private func ownToken(_ demo: DemoEnvironment, keyFile: String) async throws -> String {
        let answer = try await requestToken(demo, assertion: try await sign(assertion(demo), keyFile: keyFile))
        return try #require(answer.json["access_token"] as? String, "\(answer.text)")
    }

    /// Introspects (or revokes) `token` as jwt-client with an assertion whose `aud` is `audiences`.
    private func call(
        _ endpoint: URL, token: String, audiences: [String], _ demo: DemoEnvironment, keyFile: String
    ) async throws -> Answer {
        var claims = assertion(demo)
        claims.aud = AudienceClaim(value: audiences)
        let signed = try await sign(claims, keyFile: keyFile)
        return try await HTTP.postForm(
            endpoint,
            [
                ("token", token), ("client_id", "jwt-client"),
                ("client_assertion_type", ClientAssertionTypes.jwtBearer), ("client_assertion", signed),
            ])
    }

    @Test("token-endpoint audience: introspection and revocation accept the token endpoint or the issuer, not their own URL")
    func strictTokenEndpointAudience() async throws {
        try await withDemo(DemoServerOptions(assertionAudience: .tokenEndpoint)) { demo in
            let keyFile = try #require(demo.client("jwt-client").privateKeyFile)
            let tokenURL = demo.tokenEndpoint.absoluteString
            let token = try await ownToken(demo, keyFile: keyFile)
            let issuer = demo.issuer.absoluteString
            for endpoint in [demo.introspectionEndpoint, demo.revocationEndpoint] {
                let called = endpoint.absoluteString
                for accepted in [[tokenURL], [issuer], [called, tokenURL]] {
                    let answer = try await call(endpoint, token: token, audiences: accepted, demo, keyFile: keyFile)
                    #expect(answer.status == 200, "\(called) aud \(accepted): \(answer.text)")
                }
                for refused in [[called], ["https://elsewhere.example/token"]] {
                    let answer = try await call(endpoint, token: token, audiences: refused, demo, keyFile: keyFile)
                    #expect(answer.status == 401, "\(called) aud \(refused)")
                    #expect(answer.error == "invalid_client")
                    #expect(answer.json["error_description"] as? String == "Invalid claim: 'aud'")
                }
            }
        }
    }

    @Test("called-endpoint audience: introspection and revocation accept only their own URL")
    func calledEndpointAudience() async throws {
        try await withDemo(DemoServerOptions(assertionAudience: .calledEndpoint)) { demo in
            let keyFile = try #require(demo.client("jwt-client").privateKeyFile)
            let tokenURL = demo.tokenEndpoint.absoluteString
            let token = try await ownToken(demo, keyFile: keyFile)
            for endpoint in [demo.introspectionEndpoint, demo.revocationEndpoint] {
                let called = endpoint.absoluteString
                for accepted in [[called], [called, tokenURL]] {
                    let answer = try await call(endpoint, token: token, audiences: accepted, demo, keyFile: keyFile)
                    #expect(answer.status == 200, "\(called) aud \(accepted): \(answer.text)")
                }
                for refused in [[tokenURL], [demo.issuer.absoluteString]] {
                    let answer = try await call(endpoint, token: token, audiences: refused, demo, keyFile: keyFile)
                    #expect(answer.status == 401, "\(called) aud \(refused)")
                    #expect(answer.error == "invalid_client")
                    #expect(answer.json["error_description"] as? String == "Invalid claim: 'aud'")
                }
            }
            // The token endpoint wants its own URL, not the issuer.
            let issuerAudience = try await sign(assertion(demo, aud: demo.issuer.absoluteString), keyFile: keyFile)
            #expect(try await requestToken(demo, assertion: issuerAudience).status == 401)
        }
    }
}

enum ClientAssertionTypes {
    static let jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
}
