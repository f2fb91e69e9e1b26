import Foundation
import ProtocolSupport
import Testing
import TokenModel

/// `Authorization: Basic` as tokentop's client writes it and the demo servers read it.
@Suite("Basic credentials")
struct BasicCredentialsTests {
    @Test(
        "what the client writes, the server reads back: colons, pluses, spaces and non-ASCII included",
        arguments: [
            ("mod-client", "s3cr3t"), ("id:with:colons", "a+b c%20d"), ("clïent", "sécret ✓"), ("", ""),
        ])
    func roundTrip(id: String, secret: String) throws {
        let header = BasicCredentials.header(id: id, secret: secret)
        let read = try #require(try BasicCredentials.parse(header))
        #expect(read.id == id)
        #expect(read.secret == secret)
    }

    @Test("RFC 6749 §2.3.1: both parts are form-encoded before base64")
    func formEncodedFirst() {
        #expect(BasicCredentials.header(id: "a b", secret: "c:d") == "Basic " + Data("a+b:c%3Ad".utf8).base64EncodedString())
        #expect(
            BasicCredentials.header(id: "a b", secret: "c:d", formEncoded: false) == "Basic "
                + Data("a b:c:d".utf8).base64EncodedString())
    }

    @Test("another scheme is not Basic credentials")
    func otherScheme() throws {
        #expect(try BasicCredentials.parse("Bearer abc") == nil)
        #expect(try BasicCredentials.parse("Basic") == nil)
    }

    @Test(
        "Basic that is not base64 of id:secret, or has a broken escape, is refused",
        arguments: [
            "Basic !!!", "Basic " + Data("nocolon".utf8).base64EncodedString(),
            "Basic " + Data("a%ZZ:b".utf8).base64EncodedString(),
            "Basic " + Data([0xFF, 0x3A, 0xFE]).base64EncodedString(),
        ])
    func malformed(header: String) {
        #expect(throws: BasicCredentials.Malformed.self) { try BasicCredentials.parse(header) }
    }
}
