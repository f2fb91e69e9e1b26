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
        try await session.send("I")
        let screen = try await session.waitForScreen("the groups") { screen in
            screen.contains("\(issuer) · 3 clients · ✘ 3 error")
                && screen.contains("✘ all 3: token request failed: connection refused")
        }
        let lines = screen.split(separator: "\n")
        let header = try #require(lines.firstIndex { $0.contains("\(issuer) · 3 clients") })
        #expect(lines[header + 1].contains("✘ all 3:"), "the banner is under its issuer's header")
        for name in ["orders-sync", "billing-batch", "inventory-feed"] {
            let row = try #require(DashboardEndToEndTests.line(of: name, in: screen))
            #expect(
                !row.contains("connection refused") && row.contains("↑"), "\(name)'s row leaves the shared failure to the banner")
        }
        #expect(screen.contains("/oauth2/v1/token · 1 client · "), "a client without issuer-uri is grouped by its token-uri")
        #expect(screen.contains("Grouped by issuer"))
        try await session.send("I")
        try await session.waitForScreen("the flat table again") { !$0.contains("✘ all 3:") && $0.contains("Ungrouped") }
        try await session.send("q")
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
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }
}

extension DashboardGroupingEndToEndTests {
    @Test(
        "attached to a read-only serve: rows have an INSTANCE column; x and y say at once they cannot apply; I groups by instance"
    )
    func attachedActions() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-attach-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("serve.log").path
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        environment["XDG_CONFIG_HOME"] = directory.path + "/config"
        let serve = try spawn(
            [try TmuxSession.binary().path, "serve", "--demo", "--listen", "127.0.0.1:0"], output: log, environment: environment)
        defer { stopProcess(serve) }
        var address: String?
        let deadline = Date().addingTimeInterval(30)
        while address == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            address = (try? String(contentsOfFile: log, encoding: .utf8))?.firstMatch(of: /listening on (http:\/\/[0-9.:]+)/).map
            { String($0.1) }
        }
        let url = try #require(address, "serve said where it listens")
        let label = url.replacing("http://", with: "")
        let session = try TmuxSession(arguments: ["--attach", url])
        let screen = try await session.waitForScreen("the instance's rows") { screen in
            DashboardEndToEndTests.line(of: "mod-client", in: screen)?.contains("✔") == true
        }
        #expect(screen.contains("INSTANCE"))
        let row = try #require(DashboardEndToEndTests.line(of: "mod-client", in: screen))
        #expect(
            row.contains(label) && !row.contains("\(label)/mod-client"), "the instance has its column; the name is the client's")
        try await session.send("x")
        let refused = try await session.waitForScreen("x refused at once") { $0.contains("the instance is read-only") }
        #expect(!refused.contains("Revoke the token"), "nothing was asked")
        try await session.send("y")
        let copy = try await session.waitForScreen("y refused at once") { $0.contains("no token leaves a serve instance") }
        #expect(!copy.contains("Copy the token"), "nothing was asked")
        // An action the instances do not offer: its outcome is kept in the event log, since no
        // manager here records it as an event.
        try await session.send("d")
        try await session.waitForScreen("d answered") { $0.contains("diagnose") }
        try await session.send("e")
        let kept = try await session.waitForScreen("the outcome kept in the event log") {
            $0.contains("Event log") && $0.contains("dashboard:") && $0.contains("diagnose")
        }
        #expect(kept.contains("read-only"), "the refusals are kept too")
        try await session.send("Escape")
        try await session.waitForScreen("the clients table") { $0.contains("INSTANCE") }
        try await session.send("I")
        let grouped = try await session.waitForScreen("the rows grouped by instance") { $0.contains("\(label) · 6 clients · ") }
        #expect(!grouped.contains("INSTANCE"), "grouped, the header names the instance")
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("Enter on the event log opens its line whole, not the client underneath; Esc from a filter keeps the row")
    func eventLogAndFilter() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the demo's rows") {
            DashboardEndToEndTests.line(of: "wrong-secret", in: $0)?.contains("✘") == true
        }
        try await session.send("/", "p", "o", "s", "t")
        try await session.waitForScreen("the filter") { $0.contains("post-client 1/1") }
        try await session.send("Escape")
        let cleared = try await session.waitForScreen("the filter cleared") { !$0.contains("1/1") }
        #expect(
            cleared.split(separator: "\n").contains { $0.hasPrefix("▶") && $0.contains("post-client") },
            "post-client stays selected")
        try await session.send("e")
        try await session.waitForScreen("the event log") { $0.contains("Event log") && $0.contains("token fetched") }
        try await session.send("Enter")
        let opened = try await session.waitForScreen("the line opened") {
            $0.contains(" Event ") && $0.contains("Enter or Esc closes")
        }
        #expect(opened.contains("Event log") && !opened.contains("[1 Token]"), "the log stays; no client was zoomed")
        try await session.send("Escape")
        try await session.waitForScreen("the box closed, the log still open") {
            !$0.contains("Enter or Esc closes") && $0.contains("Event log")
        }
        try await session.send("Escape")
        let back = try await session.waitForScreen("the clients table") { $0.contains("STATUS") }
        #expect(!back.contains("· Esc back"), "the table, not a zoomed client")
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }
}
