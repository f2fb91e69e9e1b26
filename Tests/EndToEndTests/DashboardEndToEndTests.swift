import Foundation
import Testing

/// The real binary, in tmux, on the embedded demo: what a person sees and types.
@Suite("The dashboard in a real terminal", .serialized)
struct DashboardEndToEndTests {
    @Test("the demo's client rows appear, with state words and countdowns")
    func rowsAppear() async throws {
        let session = try TmuxSession(arguments: [])
        let screen = try await session.waitForScreen("every demo client row") { screen in
            ["mod-client", "short-lived", "wrong-secret", "no-mod-scope", "post-client", "jwt-client"]
                .allSatisfy(screen.contains) && screen.contains("invalid_client")
        }
        #expect(screen.contains("✔ ok"))
        #expect(screen.contains("✘ error"))
        #expect(screen.contains("embedded demo"))
        #expect(screen.contains("The message of the day is boring"))
        try session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("a short-lived token counts down and is refreshed automatically")
    func shortLivedRefresh() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the short-lived row") { $0.contains("short-lived") && $0.contains("✔ ok") }
        try session.send("/", "s", "h", "o", "r", "t", "Enter", "4")
        let first = try await session.waitForScreen("the History tab") { $0.contains("startup") }
        let start = try #require(Self.countdown(in: first, row: "short-lived"))
        let later = try await session.waitForScreen("the countdown to go down") { screen in
            (Self.countdown(in: screen, row: "short-lived") ?? start) < start
        }
        #expect(try #require(Self.countdown(in: later, row: "short-lived")) < start)
        // 30-second tokens refresh at about 24 s, less a little jitter.
        try await session.waitForScreen("the automatic refresh in History", timeout: 45) { $0.contains("scheduled") }
        try session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("r refreshes the selected client and History records it as manual")
    func manualRefresh() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the mod-client row") { $0.contains("mod-client") && $0.contains("✔ ok") }
        try session.send("/", "m", "o", "d", "-", "c", "Enter", "4")
        try await session.waitForScreen("the History tab") { $0.contains("startup") }
        #expect(try !session.screen().contains("manual"))
        try session.send("r")
        try await session.waitForScreen("a manual entry in History") { $0.contains("manual") }
        try session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("? shows the help overlay and Esc closes it")
    func help() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the dashboard") { $0.contains("mod-client") }
        try session.send("?")
        let help = try await session.waitForScreen("the help overlay") { $0.contains("refresh selected token") }
        #expect(help.contains("revoke token"))
        #expect(help.contains("quit"))
        try session.send("Escape")
        try await session.waitForScreen("the help to close") { !$0.contains("refresh selected token") }
        try session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    @Test("q exits with status 0 and leaves the terminal usable")
    func quitRestoresTerminal() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the dashboard") { $0.contains("mod-client") }
        #expect(try session.alternateScreenOn())
        try session.send("q")
        #expect(try await session.waitForExit() == 0)
        #expect(try !session.alternateScreenOn())
        let modes = try session.terminalModes()
        #expect(modes.contains(" icanon"))
        #expect(modes.contains(" echo"))
    }

    @Test("Ctrl-C also quits cleanly")
    func controlCQuits() async throws {
        let session = try TmuxSession(arguments: [])
        try await session.waitForScreen("the dashboard") { $0.contains("mod-client") }
        try session.send("C-c")
        #expect(try await session.waitForExit() == 0)
        #expect(try !session.alternateScreenOn())
    }

    @Test("a terminal below the minimum size says what size it needs")
    func tooSmall() async throws {
        let session = try TmuxSession(arguments: [], width: 40, height: 10)
        let screen = try await session.waitForScreen("the too-small notice") { $0.contains("Terminal size too small") }
        #expect(screen.contains("Width = 40 Height = 10"))
        #expect(screen.contains("Needed for tokentop"))
        #expect(screen.contains("Width = 60 Height = 15"))
        try session.send("q")
        #expect(try await session.waitForExit() == 0)
    }

    /// Seconds left on a row's `mm:ss` countdown.
    static func countdown(in screen: String, row: String) -> Int? {
        guard let line = screen.split(separator: "\n").first(where: { $0.contains(row) }),
            let match = line.firstMatch(of: /(\d\d):(\d\d)/), let minutes = Int(match.1), let seconds = Int(match.2)
        else { return nil }
        return minutes * 60 + seconds
    }
}
