import Foundation
import JOSESupport
import OAuthClient
import ProtocolSupport
import Testing
import TokenModel

@Suite("Splitting a compact JWS: three base64url parts, the header a JSON object")
struct CompactJWSTests {
    static let token = TestKeys.handBuilt(
        header: #"{"alg":"ES256","kid":"k/1","typ":"at+jwt"}"#, claims: #"{"sub":"svc","exp":1800000000}"#,
        signature: [1, 2, 3, 250])

    @Test("a JWS gives its header, payload, claims and signature, each decoded once")
    func parts() throws {
        let jws = try CompactJWS(Self.token)
        #expect(jws.header == ["alg": .string("ES256"), "kid": .string("k/1"), "typ": .string("at+jwt")])
        #expect(jws.payload == Data(#"{"sub":"svc","exp":1800000000}"#.utf8))
        #expect(jws.claims == ["sub": .string("svc"), "exp": .number(1_800_000_000)])
        #expect(jws.signature == Data([1, 2, 3, 250]))
    }

    @Test("a payload that is not JSON and a signature that is not base64url are left to the reader")
    func lateFaults() throws {
        let jws = try CompactJWS("e30.\(Base64URL.encode(Data("hello".utf8))).***")
        #expect(jws.claims == nil)
        #expect(jws.signature == nil)
        #expect(try CompactJWS("e30.e30.").signature == Data())
    }

    @Test(
        "bad input is refused with the part at fault",
        arguments: [
            ("", CompactJWS.Malformed.partCount(1)),
            ("e30.e30", .partCount(2)),
            ("e30.e30.sig.more", .partCount(4)),
            ("....", .partCount(5)),
            ("e30=.e30.sig", .headerNotBase64URL),
            ("e+0.e30.sig", .headerNotBase64URL),
            ("e 30.e30.sig", .headerNotBase64URL),
            ("a.e30.sig", .headerNotBase64URL),
            (".e30.sig", .headerNotJSONObject),
            ("WyJ4Il0.e30.sig", .headerNotJSONObject),
            ("bnVsbA.e30.sig", .headerNotJSONObject),
            ("e30.!!!.sig", .payloadNotBase64URL(header: [:])),
            ("eyJhbGciOiJSUzI1NiJ9.e30/.sig", .payloadNotBase64URL(header: ["alg": .string("RS256")])),
        ])
    func refused(text: String, fault: CompactJWS.Malformed) {
        #expect(throws: fault) { try CompactJWS(text) }
    }

    @Test("text longer than the largest token response is refused before it is split; up to it is read")
    func tooLong() throws {
        let huge = String(repeating: "e30.", count: CompactJWS.maximumLength / 4) + "e30"
        #expect(throws: CompactJWS.Malformed.tooLong(byteCount: huge.utf8.count)) { try CompactJWS(huge) }
        #expect(CompactJWS.Malformed.tooLong(byteCount: huge.utf8.count).description.contains("1024 KiB"))

        let filler = String(repeating: "A", count: CompactJWS.maximumLength - "e30..".utf8.count)
        let largest = "e30.\(filler)."
        #expect(largest.utf8.count == CompactJWS.maximumLength)
        #expect(try CompactJWS(largest).payload.count == filler.count * 3 / 4)
    }

    @Test("every one-character change to a JWS is read or refused without a trap, and the decoder agrees")
    func mutations() {
        let characters: [Character] = [".", "=", "+", "/", " ", "\u{0}", "é", "A", "-", "_", "{"]
        let original = Array(Self.token)
        var refusals = Set<String>()
        for index in original.indices {
            for character in characters where original[index] != character {
                var mutated = original
                mutated[index] = character
                let text = String(mutated)
                let dots = mutated.filter { $0 == "." }.count
                let decoded = TokenDecoder.decode(text)
                do {
                    let jws = try CompactJWS(text)
                    #expect(dots == 2, "\(text)")
                    let isJWT = jws.claims != nil && jws.signature != nil
                    #expect((decoded.format == .jwt) == isJWT, "\(text)")
                    if isJWT { #expect(decoded.header == jws.header && decoded.claims == jws.claims, "\(text)") }
                } catch {
                    if dots != 2 { #expect(error == .partCount(dots + 1), "\(text)") }
                    #expect(decoded == DecodedToken(format: .opaque), "\(text)")
                    #expect(TerminalText.sanitize(error.description) == error.description)
                    refusals.insert(error.description)
                }
            }
        }
        // The sweep reached each kind of fault, so the checks above were not vacuous.
        #expect(refusals.contains("it has 4 dot-separated parts; a JWT has 3"))
        #expect(refusals.contains("its first part is not base64url"))
        #expect(refusals.contains("its first part is not a JSON object"))
        #expect(refusals.contains("its payload is not base64url"))
    }
}
