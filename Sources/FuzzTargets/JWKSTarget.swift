import Foundation
import JOSESupport
import TokenModel

extension FuzzTarget {
    /// A key set document (RFC 7517) as a server's `jwks_uri` or a `--jwks` file gives it.
    /// Input: the document.
    static let jwks = FuzzTarget(
        "jwks", "JWKS documents",
        async: { data throws(PropertyViolation) in
            let name = "jwks"
            let cache: JWKSCache
            do throws(JWKSError) {
                cache = try JWKSCache(jwksData: data, source: "fuzz\u{1B}[31m.json")
            } catch {
                try Expect.printable(error.reason, "why a key set was refused", target: name)
                try Expect.printable(error.code, "a key set error's code", target: name)
                return
            }
            let known = await cache.knownKeyIDs
            for kid in known { try Expect.printable(kid, "a listed kid", target: name) }
            try Expect.that(known == known.sorted(), "kids are listed sorted", found: "\(known)", target: name)
            let status = await cache.status()
            for key in status.keys {
                for shown in [key.kid, key.type, key.algorithm, key.use].compactMap({ $0 }) {
                    try Expect.printable(shown, "a published key's kid, type, alg and use", target: name)
                }
            }
            switch await cache.keys(for: nil) {
            case .success(let keys):
                try Expect.that(!keys.isEmpty, "a readable set offers a key for a token without kid", found: "none", target: name)
            case .failure(let error):
                throw PropertyViolation(name, "a fixed set that was read gives its keys", found: error.reason)
            }
            for kid in known.prefix(3) + ["absent\u{7}kid"] {
                if case .failure(let error) = await cache.keys(for: kid) {
                    try Expect.printable(error.reason, "why a kid has no key", target: name)
                }
            }
        })
}
