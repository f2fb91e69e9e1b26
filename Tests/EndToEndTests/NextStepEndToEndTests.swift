import Foundation
import Testing

/// The seed's own flow on a new Okta app: a client configured without `dpop: true` for a server
/// that requires DPoP, on the real binary.
@Suite("Next steps on the real binary", .serialized)
struct NextStepEndToEndTests {
    @Test(
        "the demo's DPoP client without dpop: true is a configuration error: dpop_required, one request, and the next step says to add it"
    )
    func dpopRequired() async throws {
        let home = try TestHome()
        defer { home.remove() }
        let demo = try await DemoServerProcess.start(arguments: ["--dpop"])
        let text = try String(contentsOfFile: demo.configPath, encoding: .utf8)
        let setting = /\n    dpop: '?true'?\n/
        #expect(text.contains(setting), "the demo configures dpop-client with dpop: true")
        try text.replacing(setting, with: "\n").write(toFile: demo.configPath, atomically: true, encoding: .utf8)
        chmod(demo.configPath, 0o600)

        let json = try await runTokentop(
            ["check", "--config", demo.configPath, "--deep", "--json", "dpop-client"], environment: home.environment)
        #expect(json.status == 1, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let client = try #require((object["clients"] as? [[String: Any]])?.first)
        #expect(client["verdict"] as? String == "error")
        #expect((client["reason"] as? String)?.contains("The DPoP proof JWT header is missing") == true)
        // A one-shot check promises no retry it will not make.
        #expect((client["reason"] as? String)?.contains("manual refresh") == false)
        #expect(
            client["next_step"] as? String
                == "this server requires DPoP for this client: add `dpop: true` (tokentop makes and keeps the key)")
        let causes = (client["diagnoses"] as? [[String: Any]])?.compactMap { $0["cause"] as? String }
        #expect(causes == ["dpop_required"])

        let table = try await runTokentop(["check", "--config", demo.configPath, "dpop-client"], environment: home.environment)
        #expect(table.status == 1)
        #expect(table.stdout.contains("dpop-client: next step: this server requires DPoP for this client: add `dpop: true`"))

        // Put back, the same client works: the next step was the fix.
        try text.write(toFile: demo.configPath, atomically: true, encoding: .utf8)
        let fixed = try await runTokentop(
            ["check", "--config", demo.configPath, "dpop-client"], environment: home.environment)
        #expect(fixed.status == 0, "\(fixed.stdout)\n\(fixed.stderr)")
        #expect(!fixed.stdout.contains("next step"))
        try await demo.stop()
    }
}
