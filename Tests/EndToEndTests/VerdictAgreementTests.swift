import Foundation
import Testing

/// One verdict, computed once: `check` and the dashboard, run on the same demo in the same
/// scenario, say the same word for every client.
@Suite("check and the dashboard agree", .serialized)
struct VerdictAgreementTests {
    @Test(
        "every client's verdict is the same in check --json and on the dashboard's rows",
        arguments: [
            #"{"resource_down": false}"#, #"{"resource_down": true}"#, #"{"token_error_rate": 1, "token_fault": "server_error"}"#,
        ])
    func agree(faults: String) async throws {
        let demo = try await DemoServerProcess.start()
        try await demo.setFaults(faults)
        let home = ["HOME": demo.directory.path, "XDG_CONFIG_HOME": demo.directory.path + "/config"]
        let check = try await runTokentop(["check", "--config", demo.configPath, "--json"], environment: home)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let clients = try #require(document["clients"] as? [[String: Any]])
        var expected: [String: String] = [:]
        for client in clients {
            expected[try #require(client["name"] as? String)] = try #require(client["verdict"] as? String)
        }
        #expect(expected.count == 6)

        let session = try TmuxSession(arguments: ["--config", demo.configPath])
        try await session.waitForScreen("every row with check's verdict", timeout: 15) { screen in
            expected.allSatisfy { name, verdict in
                DashboardEndToEndTests.line(of: name, in: screen)?.contains(" \(verdict) ") == true
            }
        }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        try await demo.stop()
    }
}
