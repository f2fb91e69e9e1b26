import Foundation
import Testing
import TokenTesting

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real binary, in tmux, on the embedded demo: what a person sees and types.
@Suite("The dashboard in a real terminal", .serialized)
struct DashboardEndToEndTests {
    @Test("the demo's client rows appear, each with its verdict and reason")
    func rowsAppear() async throws {
        let session = try TmuxSession(arguments: [])
        let screen = try await session.waitForScreen("every demo client row with a verdict") { screen in
            ["mod-client", "short-lived", "wrong-secret", "no-mod-scope", "post-client", "jwt-client"]
                .allSatisfy(screen.contains) && screen.contains("✘ error") && screen.contains("API 403")
                && !screen.contains("⋯ pending")
        }
        #expect(Self.line(of: "mod-client", in: screen)?.contains("✔ ok") == true)
        #expect(Self.line(of: "wrong-secret", in: screen)?.contains("token request failed") == true)
        #expect(Self.line(of: "no-mod-scope", in: screen)?.contains("▲ degraded") == true, "the token is fine, the API says 403")
        #expect(screen.contains("embedded demo"))
        #expect(screen.contains(/✔ 4 ok · ▲ 1 degraded · ✘ 1 error/), "the header counts add up to the six rows")
        try await session.send("3")
        try await session.waitForScreen("the answer of /mod in Responses") { $0.contains("The message of the day is boring") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("a short-lived token counts down and is refreshed automatically")
    func shortLivedRefresh() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the short-lived row") { $0.contains("short-lived") && $0.contains("✔ ok") }
        try await session.send("/", "s", "h", "o", "r", "t", "Enter", "4")
        let first = try await session.waitForScreen("the History tab") { $0.contains("startup") }
        let start = try #require(Self.countdown(in: first, row: "short-lived"))
        let later = try await session.waitForScreen("the countdown to go down") { screen in
            (Self.countdown(in: screen, row: "short-lived") ?? start) < start
        }
        #expect(try #require(Self.countdown(in: later, row: "short-lived")) < start)
        // 30-second tokens refresh at about 24 s, less a little jitter.
        try await session.waitForScreen("the automatic refresh in History", timeout: 45) { $0.contains("scheduled") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("r refreshes the selected client and History records it as manual")
    func manualRefresh() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the mod-client row") { $0.contains("mod-client") && $0.contains("✔ ok") }
        try await session.send("/", "m", "o", "d", "-", "c", "Enter", "4")
        try await session.waitForScreen("the History tab") { $0.contains("startup") }
        #expect(try await !session.screen().contains("manual"))
        try await session.send("r")
        try await session.waitForScreen("a manual entry in History") { $0.contains("manual") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("/ filters by verdict word, j is typed into the filter, and the header says how many are shown")
    func filterByVerdict() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the verdicts") { $0.contains("✘ error") && $0.contains("▲ degraded") }
        try await session.send("/", "d", "e", "g", "r", "a", "d", "e", "d")
        let filtered = try await session.waitForScreen("only the degraded row") { screen in
            screen.contains("(1 of 6 shown)") && Self.line(of: "mod-client", in: screen) == nil
        }
        #expect(Self.line(of: "no-mod-scope", in: filtered)?.contains("▲ degraded") == true)
        #expect(!filtered.contains("/k") && filtered.contains("select"), "the prompt's hint offers only keys that are not typed")
        try await session.send("Escape", "/", "j")
        try await session.waitForScreen("j typed into the filter") {
            $0.contains("/ j") && $0.contains("jwt-client") && $0.contains("(1 of 6 shown)")
        }
        try await session.send("Escape", "q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("x asks before revoking; Enter cancels, y revokes, History records it, and the event log keeps the footer's notes")
    func revokeNeedsY() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the mod-client row") { Self.line(of: "mod-client", in: $0)?.contains("✔ ok") == true }
        try await session.send("/", "m", "o", "d", "-", "c", "Enter", "x")
        try await session.waitForScreen("the question") { $0.contains("Revoke the token of mod-client?") }
        try await session.send("Enter")
        try await session.waitForScreen("the revoke cancelled") { $0.contains("Revoke cancelled") }
        #expect(Self.line(of: "mod-client", in: try await session.screen())?.contains("✔ ok") == true)
        try await session.send("x", "y")
        try await session.waitForScreen("the outcome in the footer and the row in error") { screen in
            screen.contains("revoke mod-client: token") && Self.line(of: "mod-client", in: screen)?.contains("✘ error") == true
        }
        try await session.send("4")
        try await session.waitForScreen("the revoke in History") { $0.contains("you: revoke") && $0.contains("✔ done") }
        try await session.send("x")
        try await session.waitForScreen("no question without a token") {
            $0.contains("No token held for mod-client; nothing to revoke")
        }
        try await session.send("e")
        // Once the footer's message has faded, the log still has it, as the dashboard's note.
        let log = try await session.waitForScreen("the notes in the event log, the footer faded") { screen in
            let footer = screen.split(separator: "\n").last { !$0.allSatisfy(\.isWhitespace) } ?? ""
            return screen.contains("dashboard: Revoke cancelled") && screen.contains("dashboard: No token held for mod-client")
                && !footer.contains("No token held")
        }
        #expect(!log.contains("revoke mod-client: token"), "the revoke's outcome is the manager's you: line, not a note")
        #expect(log.contains("you: revoke") && !log.contains("Revoking the token"))
        try await session.send("q", "q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("Enter zooms into the selected client: its /mod answer whole, scrollable; Esc comes back to the list")
    func zoom() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the mod-client row") { Self.line(of: "mod-client", in: $0)?.contains("✔ ok") == true }
        try await session.send("/", "m", "o", "d", "-", "c", "Enter", "3")
        try await session.waitForScreen("the answer of /mod in Responses") { $0.contains("The message of the day is boring") }
        try await session.send("Enter")
        let zoomed = try await session.waitForScreen("the zoomed view") { screen in
            screen.contains("Esc back") && !screen.contains("STATUS") && screen.contains("The message of the day is boring")
        }
        #expect(zoomed.contains("mod-client 1/1"), "the zoomed client is named")
        #expect(!zoomed.split(separator: "\n").dropFirst(2).dropLast().contains { $0.contains("…") }, "nothing is cut")
        try await session.send("4")
        try await session.waitForScreen("History, zoomed") { $0.contains("fetch: startup") && $0.contains("Esc back") }
        try await session.send("Escape")
        try await session.waitForScreen("the list again") { $0.contains("STATUS") && !$0.contains("Esc back") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("a click selects the row under it and a click on a tab opens it; the wheel moves the selection")
    func mouseClick() async throws {
        let session = try TmuxSession(arguments: [])
        let screen = try await session.waitForScreen("every demo row, settled") { screen in
            ["mod-client", "wrong-secret", "jwt-client"].allSatisfy { Self.line(of: $0, in: screen) != nil }
                && !screen.contains("⋯ pending")
        }
        #expect(try await session.mouseReportingOn(), "the dashboard asks for the mouse by default")
        let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
        let wrongSecret = try #require(rows.firstIndex { $0.contains(" wrong-secret ") })
        try await session.click(column: 20, row: wrongSecret)
        try await session.waitForScreen("wrong-secret selected") { screen in
            Self.line(of: "wrong-secret", in: screen)?.hasPrefix("▶") == true && screen.contains("wrong-secret 6/6")
        }
        let tabBar = try #require(rows.firstIndex { $0.contains("4 History") })
        let column = try #require(Self.column(of: "4 History", in: rows[tabBar]))
        try await session.click(column: column + 2, row: tabBar)
        try await session.waitForScreen("the History tab") { $0.contains("[4 History]") && $0.contains("fetch: startup") }
        try await session.wheel(down: false, column: 20, row: wrongSecret)
        try await session.waitForScreen("the selection moved up by the wheel") { screen in
            Self.line(of: "wrong-secret", in: screen)?.hasPrefix("▶") == false && screen.contains(" 5/6 ")
        }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("--no-mouse leaves the mouse to the terminal")
    func noMouse() async throws {
        let session = try TmuxSession(arguments: ["--no-mouse"])
        try await session.waitForScreen("the dashboard") { $0.contains("mod-client") }
        #expect(try await !session.mouseReportingOn())
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("? shows the help overlay and Esc closes it")
    func help() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the dashboard") { $0.contains("mod-client") }
        try await session.send("?")
        // The whole overlay, not the first rows of a frame tmux caught half-written.
        let help = try await session.waitForScreen("the help overlay") {
            $0.contains("refresh selected token") && $0.contains("revoke token")
        }
        #expect(help.contains("quit"))
        #expect(help.contains("Legend"))
        try await session.send("Escape")
        try await session.waitForScreen("the help to close") { !$0.contains("refresh selected token") }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("q exits with status 0 and leaves the terminal usable")
    func quitRestoresTerminal() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the dashboard") { $0.contains("mod-client") }
        #expect(try await session.alternateScreenOn())
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        #expect(try await !session.alternateScreenOn())
        let modes = try session.terminalModes()
        #expect(modes.contains(" icanon"))
        #expect(modes.contains(" echo"))
    }

    @Test("Ctrl-C also quits cleanly")
    func controlCQuits() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the dashboard") { $0.contains("mod-client") }
        try await session.send("C-c")
        #expect(try await session.waitForExit() == 0)
        #expect(try await !session.alternateScreenOn())
    }

    @Test("a terminal below the minimum size says what size it needs")
    func tooSmall() async throws {
        let session = try TmuxSession(arguments: [], width: 40, height: 10)
        let screen = try await session.waitForScreen("the too-small notice") { $0.contains("Terminal size too small") }
        #expect(screen.contains("Width = 40 Height = 10"))
        #expect(screen.contains("Needed for tokentop"))
        #expect(screen.contains("Width = 60 Height = 15"))
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("when the demo's /mod goes down the rows leave ok within a poll interval, and come back when it is up")
    func resourceDownAndUp() async throws {
        let demo = try await DemoServerProcess.start()
        let session = try TmuxSession(arguments: ["--config", demo.configPath])
        let healthy = ["mod-client", "short-lived", "post-client", "jwt-client"]
        try await session.waitForScreen("the healthy rows") { screen in
            healthy.allSatisfy { Self.line(of: $0, in: screen)?.contains("✔ ok") == true }
        }

        try await demo.setFaults(#"{"resource_down": true}"#)
        // The poll interval is 1 s; ten leave room for a loaded machine without waiting for ever.
        let down = try await session.waitForScreen("the rows to say degraded, API 503", timeout: 10) { screen in
            healthy.allSatisfy { name in
                let line = Self.line(of: name, in: screen) ?? ""
                return line.contains("▲ degraded") && line.contains("API 503")
            }
        }
        #expect(!down.contains(/✔ \d+ ok/), "the header counts no client ok while the API is down")
        #expect(down.contains("▲ 5 degraded · ✘ 1 error"))

        try await demo.setFaults(#"{"resource_down": false}"#)
        try await session.waitForScreen("the rows to come back to ok", timeout: 10) { screen in
            healthy.allSatisfy { Self.line(of: $0, in: screen)?.contains("✔ ok") == true }
        }
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
        try await demo.stop()
    }

    @Test("a token endpoint whose port is closed makes the row say error, connection refused, within 2 s")
    func tokenEndpointRefused() async throws {
        let port = try LoopbackPort.unused()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-refused-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("tokentop.yaml").path
        try """
        clients:
          gone-auth:
            token-uri: "http://127.0.0.1:\(port)/oauth2/v1/token"
            client-id: "gone-auth"
            client-secret: "not-a-real-secret"
            scope: "read"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let session = try TmuxSession(arguments: ["--config", config])
        try await session.waitForScreen("the gone-auth row") { Self.line(of: "gone-auth", in: $0) != nil }
        // Refused is known at once; it must not wait for the 10 s request deadline.
        let screen = try await session.waitForScreen("the row to say error, refused", timeout: 2) { screen in
            let line = Self.line(of: "gone-auth", in: screen) ?? ""
            return line.contains("✘ error") && line.contains("refused")
        }
        #expect(screen.contains("✘ 1 error"))
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("L reads the configuration again: a removed client goes, a new one comes, the rest stay; a broken file changes nothing")
    func reloadWithL() async throws {
        let port = try LoopbackPort.unused()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("tokentop.yaml").path
        func client(_ name: String) -> String {
            "  \(name):\n    token-uri: \"http://127.0.0.1:\(port)/token\"\n    client-id: \"\(name)\"\n    client-secret: \"s\"\n"
        }
        try ("clients:\n" + client("stays") + client("leaves")).write(toFile: config, atomically: true, encoding: .utf8)
        let session = try TmuxSession(arguments: ["--config", config])
        try await session.waitForScreen("both rows") {
            Self.line(of: "stays", in: $0) != nil && Self.line(of: "leaves", in: $0) != nil
        }

        try ("clients:\n" + client("stays") + client("arrives")).write(toFile: config, atomically: true, encoding: .utf8)
        try await session.send("L")
        let reloaded = try await session.waitForScreen("the reloaded rows") { screen in
            Self.line(of: "arrives", in: screen) != nil && Self.line(of: "leaves", in: screen) == nil
        }
        #expect(reloaded.contains("1 added (arrives), 1 removed (leaves), 1 unchanged"))
        #expect(Self.line(of: "stays", in: reloaded) != nil)

        try "clients:\n  stays: [unclosed\n".write(toFile: config, atomically: true, encoding: .utf8)
        try await session.send("L")
        let refused = try await session.waitForScreen("the reload refused") { $0.contains("running configuration stays") }
        #expect(refused.contains("tokentop.yaml:3"), "the error names the file and line")
        #expect(Self.line(of: "stays", in: refused) != nil && Self.line(of: "arrives", in: refused) != nil)
        try await session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    /// The screen line of a client's row.
    static func line(of client: String, in screen: String) -> String? {
        screen.split(separator: "\n").first { $0.contains(" \(client) ") }.map(String.init)
    }

    /// The cell column where `text` starts on a line of one-cell characters (box drawing included).
    static func column(of text: String, in line: Substring) -> Int? {
        line.range(of: text).map { line[..<$0.lowerBound].unicodeScalars.count }
    }

    /// Seconds left on a row's `mm:ss` countdown.
    static func countdown(in screen: String, row: String) -> Int? {
        guard let line = screen.split(separator: "\n").first(where: { $0.contains(row) }),
            let match = line.firstMatch(of: /(\d\d):(\d\d)/), let minutes = Int(match.1), let seconds = Int(match.2)
        else { return nil }
        return minutes * 60 + seconds
    }
}

/// `tokentop demo-server --write-config FILE` in its own process, with the configuration set to
/// poll every second and the admin endpoint and token read from what it prints.
final class DemoServerProcess {
    let directory: URL
    let configPath: String
    let adminFaultsURL: URL
    let adminToken: String
    private var pid: pid_t

    private init(directory: URL, configPath: String, adminFaultsURL: URL, adminToken: String, pid: pid_t) {
        self.directory = directory
        self.configPath = configPath
        self.adminFaultsURL = adminFaultsURL
        self.adminToken = adminToken
        self.pid = pid
    }

    /// - Parameter arguments: more `demo-server` flags, faults such as `--clock-offset=300s`.
    static func start(arguments: [String] = []) async throws -> DemoServerProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let written = directory.appendingPathComponent("demo.yaml").path
        let log = directory.appendingPathComponent("server.log").path
        let pid = try spawn([try TmuxSession.binary().path, "demo-server", "--write-config", written] + arguments, output: log)
        let deadline = Date().addingTimeInterval(30)
        var banner = ""
        while Date() < deadline {
            banner = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if banner.contains("admin token"), FileManager.default.fileExists(atPath: written) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let url = banner.firstMatch(of: /admin +(http:\S+\/admin\/faults)/).flatMap({ URL(string: String($0.1)) }),
            let token = banner.firstMatch(of: /admin token +(\S+)/).map({ String($0.1) })
        else {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            throw E2EError("demo-server did not print its admin endpoint and token:\n\(banner)")
        }
        // Poll every second, so a change of the API shows within a second or two.
        let config = directory.appendingPathComponent("tokentop.yaml").path
        let yaml = try String(contentsOfFile: written, encoding: .utf8)
        try ("defaults:\n  poll-interval: 1s\n" + yaml).write(toFile: config, atomically: true, encoding: .utf8)
        // As demo-server writes it: the file holds client secrets.
        chmod(config, 0o600)
        return DemoServerProcess(directory: directory, configPath: config, adminFaultsURL: url, adminToken: token, pid: pid)
    }

    /// Switches faults with `POST /admin/faults`, as an operator would.
    func setFaults(_ json: String) async throws {
        var request = URLRequest(url: adminFaultsURL)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(adminToken)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(json.utf8)
        let (body, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw E2EError("POST /admin/faults \(json) failed: \(String(decoding: body, as: UTF8.self))")
        }
    }

    /// Stops the server with SIGTERM and waits for it.
    func stop() async throws {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        _ = try await waitForExit(of: pid, what: "demo-server after SIGTERM")
        pid = 0
    }

    deinit {
        if pid > 0 {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
