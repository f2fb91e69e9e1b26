import DemoServer
import Foundation
import Synchronization
import Testing

@Suite("Faults and the admin endpoints")
struct FaultTests {
    private func admin(_ demo: DemoEnvironment, _ json: String, token: String? = nil) async throws -> Answer {
        try await HTTP.send(
            demo.endpoints.adminFaultsURL, post: true,
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token ?? demo.adminToken)")],
            body: Data(json.utf8))
    }

    @Test("the admin endpoints need the admin token")
    func adminNeedsToken() async throws {
        try await withDemo { demo in
            let anonymous = try await HTTP.get(demo.endpoints.adminFaultsURL)
            #expect(anonymous.status == 401)
            #expect(anonymous.error == "invalid_token")
            #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer realm=") == true)
            let wrong = try await admin(demo, #"{"resource_down": true}"#, token: "guess")
            #expect(wrong.status == 401)
            #expect(await demo.faults.resourceDown == false)
            let rotate = try await HTTP.send(demo.endpoints.adminRotateKeysURL, post: true)
            #expect(rotate.status == 401)
        }
    }

    @Test("a token error rate of 1 makes every token request fail with 503 and Retry-After, or server_error")
    func tokenErrors() async throws {
        try await withDemo { demo in
            let set = try await admin(demo, #"{"token_error_rate": 1, "retry_after": 7}"#)
            #expect(set.status == 200)
            #expect(set.json["token_error_rate"] as? Double == 1)
            let client = demo.client("mod-client")
            let unavailable = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, client.secret!))
            #expect(unavailable.status == 503)
            #expect(unavailable.header("Retry-After") == "7")
            #expect(unavailable.error == "temporarily_unavailable")

            #expect(try await admin(demo, #"{"token_fault": "server_error"}"#).status == 200)
            let failed = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, client.secret!))
            #expect(failed.status == 500)
            #expect(failed.error == "server_error")

            #expect(try await admin(demo, #"{"token_error_rate": 0}"#).status == 200)
            #expect(try await demo.token(for: "mod-client").isEmpty == false)
        }
    }

    @Test("the error rate strikes exactly when the injected random source says so")
    func deterministicErrorRate() async throws {
        let draws = Mutex([0.9, 0.1, 0.6, 0.3])
        let random = DemoRandomSource(
            bytes: DemoRandomSource.system.bytes,
            unit: { draws.withLock { $0.isEmpty ? 0.99 : $0.removeFirst() } })
        let options = DemoServerOptions(faults: DemoFaults(tokenErrorRate: 0.5), random: random)
        try await withDemo(options) { demo in
            let client = demo.client("mod-client")
            var statuses: [Int] = []
            for _ in 0..<4 {
                let answer = try await HTTP.postForm(
                    demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, client.secret!))
                statuses.append(answer.status)
            }
            #expect(statuses == [200, 503, 200, 503])
        }
    }

    @Test("resource down makes /mod answer 503 with Retry-After until switched off")
    func resourceDown() async throws {
        try await withDemo { demo in
            let token = try await demo.token(for: "mod-client")
            #expect(try await admin(demo, #"{"resource_down": true}"#).status == 200)
            let down = try await HTTP.get(demo.resourceURL, bearer: token)
            #expect(down.status == 503)
            #expect(down.header("Retry-After") != nil)
            var faults = await demo.faults
            faults.resourceDown = false
            await demo.setFaults(faults)
            #expect(try await HTTP.get(demo.resourceURL, bearer: token).status == 200)
        }
    }

    @Test("rotate_keys and /admin/rotate-keys publish a new key")
    func adminRotation() async throws {
        try await withDemo { demo in
            #expect(try await admin(demo, #"{"rotate_keys": true}"#).status == 200)
            let rotated = try await HTTP.send(
                demo.endpoints.adminRotateKeysURL, post: true, headers: [("Authorization", "Bearer \(demo.adminToken)")])
            #expect(rotated.status == 200)
            let kid = try #require(rotated.json["kid"] as? String)
            let keys = try await HTTP.get(demo.jwksURI).json["keys"] as? [[String: Any]] ?? []
            #expect(keys.count == 3)
            #expect(keys.contains { $0["kid"] as? String == kid })
        }
    }

    @Test("the admin endpoint reports faults and refuses nonsense")
    func adminValidation() async throws {
        try await withDemo { demo in
            let set = try await admin(demo, #"{"latency_ms": 5, "rotate_keys_every_seconds": 600}"#)
            #expect(set.status == 200)
            #expect(set.json["latency_ms"] as? Int == 5)
            #expect(set.json["rotate_keys_every_seconds"] as? Int == 600)
            #expect(await demo.faults.rotateKeysEvery == .seconds(600))
            let cleared = try await admin(demo, #"{"latency_ms": 0, "rotate_keys_every_seconds": null}"#)
            #expect(cleared.json["rotate_keys_every_seconds"] is NSNull)
            for nonsense in [
                #"{"token_error_rate": 2}"#, #"{"resource_down": "yes"}"#, #"{"colour": 1}"#, "[1]", "{",
                #"{"token_fault": "boom"}"#,
            ] {
                let answer = try await admin(demo, nonsense)
                #expect(answer.status == 400, "\(nonsense)")
                #expect(answer.error == "invalid_request", "\(nonsense)")
            }
            #expect(await demo.faults.tokenErrorRate == 0)
        }
    }
}
