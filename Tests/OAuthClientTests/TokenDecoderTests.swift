import Foundation
import OAuthClient
import Testing
import TokenModel

@Suite("Reading a token's header and claims")
struct TokenDecoderTests {
    @Test("a signed JWT shows every header field and claim as sent")
    func jwtDecoded() async throws {
        let claims: [String: JSONValue] = [
            "iss": .string("https://issuer.example"), "sub": .string("svc-orders"),
            "aud": .array([.string("api://orders"), .string("api://billing")]),
            "exp": .number(1_795_000_000), "iat": .number(1_794_996_400), "scope": .string("orders.read orders.write"),
            "cnf": .object(["x5t#S256": .string("abc")]), "admin": .bool(false),
        ]
        let token = try await TestKeys.rs256().sign(claims)
        let decoded = TokenDecoder.decode(token)
        #expect(decoded.format == .jwt)
        #expect(decoded.claims == claims)
        #expect(decoded.header == ["alg": .string("RS256"), "typ": .string("JWT"), "kid": .string("rsa-1")])
        #expect(decoded.keyID == "rsa-1")
        #expect(decoded.expiresAt == Date(timeIntervalSince1970: 1_795_000_000))
        #expect(decoded.scopes == ["orders.read", "orders.write"])
    }

    @Test("unusual header fields are kept")
    func unusualHeaderFields() {
        let token = TestKeys.handBuilt(
            header: #"{"alg":"ES256","kid":"k","x5c":["MIIB"],"b64":true,"v":2.5,"crit":["b64"]}"#,
            claims: #"{"sub":"x"}"#, signature: [9, 9])
        let decoded = TokenDecoder.decode(token)
        #expect(decoded.format == .jwt)
        #expect(decoded.header["x5c"] == .array([.string("MIIB")]))
        #expect(decoded.header["b64"] == .bool(true))
        #expect(decoded.header["v"] == .number(2.5))
        #expect(decoded.claims == ["sub": .string("x")])
    }

    @Test("an opaque token is opaque, with nothing in header or claims")
    func opaque() {
        for token in ["2YotnFZFEjr1zCsicMWpAA", "", "a.b.c", "ya29.a0AfH6SMB.xyz"] {
            #expect(TokenDecoder.decode(token) == DecodedToken(format: .opaque), "token \(token.count) chars")
        }
    }

    @Test("a three-part token whose header or payload is not a JSON object is opaque")
    func notJSONObjects() {
        let object = TestKeys.base64URL(Data(#"{"alg":"RS256"}"#.utf8))
        let array = TestKeys.base64URL(Data("[1,2]".utf8))
        let text = TestKeys.base64URL(Data("hello".utf8))
        for token in ["\(array).\(object).AA", "\(object).\(array).AA", "\(object).\(text).AA", "\(text).\(object).AA"] {
            #expect(TokenDecoder.decode(token).format == .opaque)
        }
        #expect(TokenDecoder.decode("\(object).\(object).AA").format == .jwt)
    }

    @Test("two segments, or a segment that is not base64url, make a token opaque")
    func malformed() async throws {
        let token = try await TestKeys.es256().sign(["sub": .string("x")])
        let parts = token.split(separator: ".").map(String.init)
        #expect(TokenDecoder.decode(parts[0] + "." + parts[1]).format == .opaque)
        #expect(TokenDecoder.decode(parts[0] + ".!!." + parts[2]).format == .opaque)
        #expect(TokenDecoder.decode(token + ".extra").format == .opaque)
        #expect(TokenDecoder.decode(token).format == .jwt)
    }
}
