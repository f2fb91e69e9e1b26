import Foundation
import ProtocolSupport
import Testing
import TokenModel

@Suite("The shared primitives every module uses")
struct PrimitiveTests {
    @Test("loopback means localhost or a 127/8 literal, not a name that starts with 127")
    func loopbackHosts() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "api.localhost", "[::1]", "::1", "LOCALHOST"] {
            #expect(Loopback.isLoopbackHost(host), "\(host)")
        }
        for host in ["127.example.com", "10.0.0.1", "127.0.0", "127.0.0.256", "localhost.example.com", "", "::2"] {
            #expect(!Loopback.isLoopbackHost(host), "\(host)")
        }
    }

    @Test("a peer address is loopback in IPv4, IPv6 and IPv4-mapped form")
    func loopbackPeers() {
        #expect(Loopback.isLoopbackAddress("127.0.0.1"))
        #expect(Loopback.isLoopbackAddress("::ffff:127.0.0.1"))
        #expect(Loopback.isLoopbackAddress("::1"))
        #expect(!Loopback.isLoopbackAddress("::ffff:10.0.0.1"))
        #expect(!Loopback.isLoopbackAddress("localhost")) // a peer is an address, never a name
    }

    @Test("form encoding follows RFC 6749 Appendix B: ASCII unreserved kept, space as +, the rest as UTF-8")
    func formEncoding() throws {
        #expect(FormEncoding.encode("a b:c+d/e=f%") == "a+b%3Ac%2Bd%2Fe%3Df%25")
        #expect(FormEncoding.encode("é") == "%C3%A9")
        #expect(FormEncoding.encode("-._~") == "-._~")
        let body = FormEncoding.body([("client_id", "a b"), ("secret", "é+&=")])
        #expect(try FormEncoding.parameters(Data(body.utf8)) == ["client_id": "a b", "secret": "é+&="])
    }

    @Test("a form body with a repeated parameter, broken escapes or non-UTF-8 bytes is refused")
    func malformedForms() {
        #expect(throws: FormEncoding.Malformed.self) { try FormEncoding.parameters(Data("a=1&a=2".utf8)) }
        #expect(throws: FormEncoding.Malformed.self) { try FormEncoding.parameters(Data("a=%ZZ".utf8)) }
        #expect(throws: FormEncoding.Malformed.self) { try FormEncoding.parameters(Data([0x61, 0x3D, 0xFF])) }
    }

    @Test("base64url round-trips without padding and refuses padded text and the other alphabet")
    func base64URL() {
        let data = Data([0xFB, 0xFF, 0xBF, 0x00])
        #expect(Base64URL.encode(data) == "-_-_AA")
        #expect(Base64URL.decode("-_-_AA") == data)
        #expect(Base64URL.decode("-_-_AA==") == nil)
        #expect(Base64URL.decode("+/+/AA") == nil)
        #expect(Base64URL.decode("-_-_ AA") == nil)
        #expect(Base64URL.decode("") == Data())
    }

    @Test("seconds from outside become durations only when finite, non-negative and in range")
    func untrustedSeconds() {
        #expect(Duration(untrustedSeconds: 30) == .seconds(30))
        #expect(Duration(untrustedSeconds: .nan) == nil)
        #expect(Duration(untrustedSeconds: .infinity) == nil)
        #expect(Duration(untrustedSeconds: 1e300) == nil)
        #expect(Duration(untrustedSeconds: -1) == nil)
        #expect(Duration(untrustedSeconds: 7200, limit: .seconds(3600)) == nil)
    }
}

@Suite("HTTP dates")
struct HTTPDateTests {
    @Test("written as RFC 9110's IMF-fixdate and read back, including the RFC's own example")
    func roundTrip() throws {
        let example = try #require(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"))
        #expect(example == Date(timeIntervalSince1970: 784_111_777))
        #expect(HTTPDate.format(example) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.format(Date(timeIntervalSince1970: -86_400)) == "Wed, 31 Dec 1969 00:00:00 GMT")
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == example)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == example)
    }

    @Test("the fixdate read by hand agrees with the formatter, and what it refuses still goes to the formatter")
    func fixdateByHand() throws {
        // Every day of 1999-2001 and a few far years: format, read back by hand, same instant.
        for offset in stride(from: 915_148_800.0, to: 1_009_843_200.0, by: 86_400 + 3_661) {
            let date = Date(timeIntervalSince1970: offset)
            #expect(HTTPDate.fixdate(HTTPDate.format(date)) == date, "\(HTTPDate.format(date))")
        }
        for year in [1, 1600, 1900, 2038, 2100, 9999] {
            let text = "Mon, 01 Mar \(String(repeating: "0", count: 4 - String(year).count))\(year) 00:00:00 GMT"
            let date = try #require(HTTPDate.fixdate(text), "\(text)")
            #expect(
                HTTPDate.format(date).hasSuffix(
                    "01 Mar \(String(repeating: "0", count: 4 - String(year).count))\(year) 00:00:00 GMT"))
        }
        for refused in [
            "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 29 Feb 1900 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT",
            "Sun, 06 Nov 1994 08:60:37 GMT", "Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 0x Nov 1994 08:49:37 GMT", "Sun 06 Nov 1994 08:49:37 GMT ", "Abc, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 0000 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMTX",
        ] {
            #expect(HTTPDate.fixdate(refused) == nil, "\(refused)")
        }
        #expect(HTTPDate.fixdate("Sat, 29 Feb 2000 23:59:60 GMT") == Date(timeIntervalSince1970: 951_868_800))
    }

    @Test(
        "hostile or empty values are nil, and absurd dates print as a bound",
        arguments: [
            "", "  ", "yesterday", String(repeating: "A", count: 500),
            // Found by the http-fields fuzz target: Foundation's DateFormatter trapped on it.
            "Mo, 06\u{05B1}\u{FFFD}\u{FFFD} 2,Sa t529198:0 GMT",
        ])
    func hostile(text: String) {
        #expect(HTTPDate.parse(text) == nil)
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 1e300)).hasSuffix("9999 23:59:59 GMT"))
        #expect(!HTTPDate.format(Date(timeIntervalSince1970: .nan)).isEmpty)
    }
}
