import ProtocolSupport
import Testing
import TokenModel

/// `Authorization` as `serve` and the demo servers read it.
@Suite("Authorization headers and secret comparison")
struct AuthorizationHeaderTests {
    @Test(
        "the scheme is case-insensitive and the credentials are trimmed",
        arguments: [
            ("Bearer abc", "bearer", "abc"), ("bEaReR   abc \t", "bearer", "abc"), ("  DPoP x.y.z", "dpop", "x.y.z"),
            ("Basic", "basic", ""), ("Basic   ", "basic", ""), ("Token a b", "token", "a b"),
        ])
    func parsed(header: String, scheme: String, credentials: String) throws {
        let authorization = try #require(AuthorizationHeader(header))
        #expect(authorization.scheme == scheme)
        #expect(authorization.credentials == credentials)
    }

    @Test("an empty header has no scheme")
    func empty() {
        #expect(AuthorizationHeader("") == nil)
        #expect(AuthorizationHeader("   ") == nil)
    }

    @Test("a bearer token only from a Bearer header that has one")
    func bearerToken() {
        #expect(AuthorizationHeader.bearerToken("Bearer abc") == "abc")
        #expect(AuthorizationHeader.bearerToken("bearer  abc ") == "abc")
        for header in [nil, "", "Bearer", "Bearer   ", "DPoP abc", "Basic YTpi", "Bearerabc"] as [String?] {
            #expect(AuthorizationHeader.bearerToken(header) == nil, "\(String(describing: header))")
        }
    }

    @Test("secrets are equal only byte for byte, whatever their lengths")
    func constantTime() {
        #expect(ConstantTime.equals(presented: "s3cr3t", expected: "s3cr3t"))
        #expect(ConstantTime.equals(presented: "", expected: ""))
        for presented in ["s3cr3T", "s3cr3", "s3cr3ts3cr3t", "", "ś3cr3t", "s3cr3t\u{0}"] {
            #expect(!ConstantTime.equals(presented: presented, expected: "s3cr3t"), "\(presented)")
        }
        #expect(!ConstantTime.equals(presented: "a", expected: ""))
    }
}
