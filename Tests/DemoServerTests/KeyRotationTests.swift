import DemoServer
import Foundation
import Testing
import TokenTesting

@Suite("Signing key rotation with overlap")
struct KeyRotationTests {
    private func kids(_ demo: DemoEnvironment) async throws -> [String] {
        let keys = try await HTTP.get(demo.jwksURI).json["keys"] as? [[String: Any]] ?? []
        return keys.compactMap { $0["kid"] as? String }
    }

    @Test("after a rotation both keys are published and tokens signed by either are accepted at /mod")
    func overlap() async throws {
        try await withDemo { demo in
            let before = try await demo.token(for: "mod-client")
            #expect(try await HTTP.get(demo.resourceURL, bearer: before).status == 200)
            let oldKID = try #require(jwtParts(before).header["kid"] as? String)
            let newKID = try await demo.rotateKeys()
            #expect(newKID != oldKID)
            #expect(Set(try await kids(demo)) == [oldKID, newKID])
            let after = try await demo.token(for: "mod-client")
            #expect(jwtParts(after).header["kid"] as? String == newKID)
            // The resource server meets an unknown kid and fetches the key set again.
            #expect(try await HTTP.get(demo.resourceURL, bearer: after).status == 200)
            #expect(try await HTTP.get(demo.resourceURL, bearer: before).status == 200)
            #expect(try await demo.introspect(before).json["active"] as? Bool == true)
        }
    }

    @Test("once the overlap ends the old key leaves the JWKS and its tokens stop verifying")
    func overlapEnds() async throws {
        let clock = ManualClock(now: Date())
        let options = DemoServerOptions(keyOverlap: .seconds(60), clock: clock)
        try await withDemo(options) { demo in
            let before = try await demo.token(for: "mod-client")
            #expect(try await HTTP.get(demo.resourceURL, bearer: before).status == 200)
            try await demo.rotateKeys()
            let after = try await demo.token(for: "mod-client")
            #expect(try await kids(demo).count == 2)

            clock.advance(by: 600) // past the overlap, and past the resource server's 5-minute key cache
            #expect(try await kids(demo) == [jwtParts(after).header["kid"] as? String])
            let refused = try await HTTP.get(demo.resourceURL, bearer: before)
            #expect(refused.status == 401)
            #expect(refused.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
            #expect(try await demo.introspect(before).json["active"] as? Bool == false)
            #expect(try await HTTP.get(demo.resourceURL, bearer: after).status == 200)
        }
    }
}
