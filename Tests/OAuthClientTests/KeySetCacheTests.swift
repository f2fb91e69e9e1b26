import Foundation
import JOSESupport
import Synchronization
import Testing
import TokenModel

@testable import OAuthClient

@Suite("The one key-set cache")
struct KeySetCacheTests {
    @Test("lookups that share the first fetch all get its keys, whichever resumes first")
    func sharedFirstFetch() async throws {
        let document = TestKeys.jwks([TestKeys.rs256(kid: "k1")])
        let cache = JWKSCache(url: URL(string: "http://127.0.0.1:1/keys")!) { _ in
            try await Task.sleep(for: .milliseconds(20))
            return document
        }
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    if case .success(let keys) = await cache.keys(for: "k1") { return keys.count == 1 } else { return false }
                }
            }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results == Array(repeating: true, count: 20))
        #expect(await cache.fetchCount == 1)
    }

    @Test("the watched set records keys that arrive and leave, and honours Cache-Control max-age")
    func watched() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
        let documents = DocumentQueue([TestKeys.jwks([TestKeys.rs256(kid: "k1")]), TestKeys.jwks([TestKeys.rs256(kid: "k2")])])
        let cache = JWKSCache(url: URL(string: "http://127.0.0.1:1/keys")!, now: { clock.now }) { _ in
            JWKSDocument(data: documents.next(), maxAge: .seconds(120))
        }
        _ = await cache.keys(for: "k1")
        #expect(await cache.status().keys.map(\.kid) == ["k1"])
        #expect(await cache.status().maxAge == .seconds(120))
        #expect(await cache.refreshIfStale() == false)
        clock.advance(by: 121)
        #expect(await cache.refreshIfStale() == true)
        let status = await cache.status()
        #expect(status.keys.map(\.kid) == ["k2"])
        #expect(status.changes.map(\.kind) == [KeySetChange.Kind.added, .removed])
        #expect(status.keys.first?.type == "RSA 2048")
        #expect(JWKSDocument.maxAge(fromCacheControl: "public, max-age=300") == .seconds(300))
        #expect(JWKSDocument.maxAge(fromCacheControl: "max-age=99999999999999") == .seconds(86_400))
        #expect(JWKSDocument.maxAge(fromCacheControl: "max-age=-1") == nil)
    }
}

/// Documents handed out in order, the last one repeating.
final class DocumentQueue: Sendable {
    private let documents: Mutex<[Data]>
    init(_ documents: [Data]) { self.documents = Mutex(documents) }
    func next() -> Data { documents.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] } }
}
