import OAuthClient
import Testing

/// Which `DPoP-Nonce` values tokentop echoes into its next proof (RFC 9449 §8.1).
@Suite("DPoP-Nonce acceptance")
struct DPoPNonceTests {
    @Test(
        "an NQCHAR nonce of up to 1024 characters is echoed as sent",
        arguments: [
            "eyJ7S_zG.eyJH0-Z.HX4w-7v", "!#[]~", String(repeating: "n", count: 1024),
        ])
    func accepted(nonce: String) {
        #expect(DPoPNonce.accepted(nonce) == nonce)
    }

    @Test(
        "no header, an empty one, a space, a quote, a backslash, a control character, non-ASCII or 1025 characters: not echoed",
        arguments: [nil, "", "a b", "a\"b", "a\\b", "a\u{1B}[2J", "nönce", String(repeating: "n", count: 1025)])
    func refused(nonce: String?) {
        #expect(DPoPNonce.accepted(nonce) == nil)
    }
}
