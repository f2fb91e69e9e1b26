import Crypto
import Foundation
import JOSESupport
import ProtocolSupport
import Testing
import TokenModel

@Suite("The RFC 7638 thumbprint's canonical JSON")
struct JWKThumbprintTests {
    /// The thumbprint as Foundation's own JSON writer would have it: the required members, sorted, compact.
    private static func oracle(_ members: [String: String]) throws -> String {
        let json = try JSONSerialization.data(withJSONObject: members, options: [.sortedKeys, .withoutEscapingSlashes])
        return Base64URL.encode(Data(SHA256.hash(data: json)))
    }

    @Test(
        "only the required members count, in order, escaped as JSON escapes them",
        arguments: [
            "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "a/b", #"quote " and \ backslash"#, "\u{1}\u{1f}\t\n", "é\u{2028}",
        ])
    func canonical(x: String) throws {
        let required = ["kty": "EC", "crv": "P-256", "x": x, "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"]
        var jwk = required.mapValues(JSONValue.string)
        jwk["kid"] = .string("ignored")
        jwk["key_ops"] = .array([.string("verify")])
        #expect(try JWKThumbprint.sha256(ofJWK: jwk) == Self.oracle(required))
    }

    @Test("a required member that is missing, empty or not a string has no thumbprint")
    func incomplete() {
        let rsa: [String: JSONValue] = ["kty": .string("RSA"), "e": .string("AQAB"), "n": .string("0vx7")]
        #expect(throws: Never.self) { try JWKThumbprint.sha256(ofJWK: rsa) }
        for broken in [
            rsa.merging(["n": .string("")]) { $1 }, rsa.merging(["e": .number(65537)]) { $1 }, rsa.filter { $0.key != "kty" },
        ] {
            #expect(throws: JWKThumbprint.Failure.self) { try JWKThumbprint.sha256(ofJWK: broken) }
        }
    }
}
