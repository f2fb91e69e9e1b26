import Foundation
import Testing
import TokenTesting

/// Grouping and narrow screens on the real binary, in tmux.
@Suite("The dashboard's groups and columns in a real terminal", .serialized)
struct DashboardGroupingEndToEndTests {
    /// A configuration of four clients: three of an issuer nothing listens for, one of another.
    static func deadIssuers() throws -> (config: String, directory: URL, issuer: String) {
        let first = try LoopbackPort.unused()
        let second = try LoopbackPort.unused()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-groups-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let issuer = "http://127.0.0.1:\(first)/oauth2/ausprod"
        var yaml = "clients:\n"
        for name in ["orders-sync", "billing-batch", "inventory-feed"] {
            yaml += """
                  \(name):
                    issuer-uri: "\(issuer)"
                    token-uri: "\(issuer)/v1/token"
                    client-id: "\(name)"
                    client-secret: "not-a-real-secret"
                    scope: "read"

                """
        }
        yaml += """
              ledger:
                token-uri: "http://127.0.0.1:\(second)/oauth2/v1/token"
                client-id: "ledger"
                client-secret: "not-a-real-secret"
                scope: "read"

            """
        let config = directory.appendingPathComponent("tokentop.yaml").path
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, directory, issuer)
    }

    @Test("I groups the rows by issuer: a header per issuer, the failure its clients share once with the count")
    func groupByIssuer() async throws {
        let (config, directory, issuer) = try Self.deadIssuers()
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try TmuxSession(arguments: ["--config", config])
        try await session.waitForScreen("four rows refused") { $0.components(separatedBy: "connection refused").count > 4 }
        try session.send("I")
        let screen = try await session.waitForScreen("the groups") { screen in
            screen.contains("\(issuer) · 3 clients · ✘ 3 error") && screen.contains("✘ all 3: token request failed: connection refused")
        }
        let lines = screen.split(separator: "\n")
        let header = try #require(lines.firstIndex { $0.contains("\(issuer) · 3 clients") })
        #expect(lines[header + 1].contains("✘ all 3:"), "the banner is under its issuer's header")
        for name in ["orders-sync", "billing-batch", "inventory-feed"] {
            let row = try #require(DashboardEndToEndTests.line(of: name, in: screen))
            #expect(!row.contains("connection refused") && row.contains("↑"), "\(name)'s row leaves the shared failure to the banner")
        }
        #expect(screen.contains("/oauth2/v1/token · 1 client · "), "a client without issuer-uri is grouped by its token-uri")
        #expect(screen.contains("Grouped by issuer"))
        try session.send("I")
        try await session.waitForScreen("the flat table again") { !$0.contains("✘ all 3:") && $0.contains("Ungrouped") }
        try session.send("q")
        #expect(try await session.waitForExit() == 0)
    }
}

extension DashboardGroupingEndToEndTests {
    @Test("at 60 columns every demo client's name is whole and the verdict is its symbol")
    func narrowColumns() async throws {
        let session = try TmuxSession(arguments: [], width: 60, height: 15)
        let screen = try await session.waitForScreen("the demo's rows with verdicts") { screen in
            DashboardEndToEndTests.line(of: "wrong-secret", in: screen)?.contains("✘") == true
                && DashboardEndToEndTests.line(of: "jwt-client", in: screen)?.contains("✔") == true
        }
        for name in ["jwt-client", "mod-client", "no-mod-scope", "post-client"] {
            let row = try #require(DashboardEndToEndTests.line(of: name, in: screen), "\(name) is whole")
            #expect(!row.contains(" ok ") && !row.contains(" degraded "), "the verdict shrinks to its symbol: \(row)")
        }
        try session.send("q")
        #expect(try await session.waitForExit() == 0)
    }
}
