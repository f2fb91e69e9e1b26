import Foundation
import Testing
import TokenCache
import TokenConfig

@Suite("The cache key: everything that changes the token, nothing else")
struct CacheKeyTests {
    func key(_ change: (inout ClientConfiguration) -> Void = { _ in }, dpop: String? = nil, certificate: String? = nil)
        -> CacheKey
    {
        var configuration = sampleConfiguration
        change(&configuration)
        return CacheKey(configuration: configuration, dpopThumbprint: dpop, certificateThumbprint: certificate)
    }

    @Test("each setting that changes the token gives another key")
    func distinct() {
        let variants: [CacheKey] = [
            key(),
            key { $0.tokenURI = URL(string: "https://other.example.com/token") },
            key { $0.issuerURI = URL(string: "https://auth.example.com") },
            key { $0.clientID = "another" },
            key { $0.authenticationMethod = .clientSecretPost },
            key { $0.scopes = ["custom_mod", "more"] },
            key { $0.audience = "api://default" },
            key { $0.resources = ["https://api.example.com"] },
            key { $0.extraTokenParameters = ["tenant": "a"] },
            key({ $0.dpop = true }, dpop: "thumbprint-a"),
            key({ $0.dpop = true }, dpop: "thumbprint-b"),
            key(certificate: "x5t-a"),
            key(certificate: "x5t-b"),
        ]
        #expect(Set(variants).count == variants.count)
    }

    @Test("what does not change the token shares the key: the client's name, its secret, its polling")
    func shared() {
        let same = [
            key { $0.name = "renamed" }, key { $0.clientSecret = .command("pass show x") },
            key { $0.pollInterval = .seconds(99) }, key { $0.refreshSkew = .seconds(5) },
        ]
        #expect(same.allSatisfy { $0 == key() })
    }

    @Test("values cannot pass for each other across a boundary")
    func boundaries() {
        let a = key {
            $0.scopes = ["a b"]
            $0.audience = "c"
        }
        let b = key {
            $0.scopes = ["a"]
            $0.audience = "b c"
        }
        #expect(a != b)
    }

    @Test("the digest is 64 lowercase hex digits and stable; a file name that is not one is no key")
    func digest() {
        let digest = key().digest
        #expect(digest.count == 64)
        #expect(CacheKey(digest: digest) == key())
        #expect(key().digest == key().digest)
        #expect(CacheKey(digest: "../" + digest.dropFirst(3)) == nil)
        #expect(CacheKey(digest: digest.uppercased()) == nil)
    }
}
