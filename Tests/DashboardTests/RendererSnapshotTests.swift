import Dashboard
import Foundation
import Testing
import TokenModel

@Suite("The dashboard as drawn")
struct RendererSnapshotTests {
    let renderer = Renderer()

    func frame(
        _ snapshot: ManagerSnapshot = Fixtures.snapshot(), state: ViewState = ViewState(), columns: Int = 80, rows: Int = 24,
        context: ScreenContext = Fixtures.context()
    ) -> Frame {
        renderer.render(
            snapshot, state: state, size: TerminalSize(columns: columns, rows: rows), now: Fixtures.now, context: context)
    }

    func state(tab: DetailTab, selected: String = "billing-api") -> ViewState {
        ViewState(themeNames: ["default", "dark"], selectedClient: selected, tab: tab)
    }

    @Test("every tab reads well at 80×24 and 120×40", arguments: DetailTab.allCases)
    func tabs(tab: DetailTab) {
        expectSnapshot(frame(state: state(tab: tab)), named: "tab-\(tab.title.lowercased())-80x24")
        expectSnapshot(frame(state: state(tab: tab), columns: 120, rows: 40), named: "tab-\(tab.title.lowercased())-120x40")
    }

    @Test("answers that start alike keep their distinctive end when cut; identical answers keep their start")
    func distinctiveEnd() {
        var snapshot = Fixtures.snapshot()
        let index = snapshot.clients.firstIndex { $0.name == "billing-api" }!
        snapshot.clients[index].responses = (0..<4).map { user in
            ResourceResponse(
                status: 200, latency: .milliseconds(12), at: Fixtures.now.addingTimeInterval(Double(user - 4) * 10),
                bodyExcerpt: "Message of the day, served by the example API to the caller: for user: 0oab\(user)d")
        }
        let text = frame(snapshot, state: state(tab: .responses)).text
        for user in 0..<4 { #expect(text.contains("for user: 0oab\(user)d"), "the distinctive end of answer \(user)") }
        #expect(!text.contains("Message of the day"))
        // The fixture's own answers are all the same: their start is what stays.
        #expect(frame(state: state(tab: .responses)).text.contains("{\"message\":\"hello billing-api\""))
    }

    @Test("a claim of nothing but spaces, wider than the screen, zooms without harm", arguments: [DetailTab.claims, .token])
    func blankClaimZoomed(tab: DetailTab) {
        var snapshot = Fixtures.snapshot()
        let index = snapshot.clients.firstIndex { $0.name == "billing-api" }!
        snapshot.clients[index].token?.decoded.claims["sub"] = .string(String(repeating: " ", count: 200))
        var state = state(tab: tab)
        state.isZoomed = true
        for (columns, rows) in [(80, 24), (120, 40), (60, 15)] {
            let text = frame(snapshot, state: state, columns: columns, rows: rows).text
            #expect(text.contains(tab.title), "the zoomed \(tab.title) tab at \(columns)×\(rows)")
        }
    }

    @Test("a client whose token request failed holds no token to call with: — in the table, and Responses says so")
    func noTokenToCallWith() throws {
        let drawn = frame(state: state(tab: .responses, selected: "partner-sso"), columns: 120, rows: 40)
        let rows = (0..<drawn.height).map { drawn.text(ofRow: $0) }
        let row = try #require(rows.first { $0.contains("partner-sso") && $0.contains("error") })
        #expect(!row.contains("waiting"), "\(row)")
        #expect(row.contains(" — "), "\(row)")
        #expect(drawn.text.contains("no token to call with: the token request failed"))
        #expect(!drawn.text.contains("waiting for the first call"))
        // A client still fetching its first token is waiting, and says so.
        let fetching = frame(state: state(tab: .responses, selected: "search-edge"), columns: 120, rows: 40)
        #expect(!fetching.text.contains("no token to call with"))
    }

    @Test("the token tab explains a client in error and an opaque token")
    func errorAndOpaque() {
        expectSnapshot(frame(state: state(tab: .token, selected: "partner-sso")), named: "token-error-80x24")
        expectSnapshot(frame(state: state(tab: .token, selected: "reports")), named: "token-opaque-80x24")
        expectSnapshot(frame(state: state(tab: .claims, selected: "reports")), named: "claims-opaque-80x24")
    }

    @Test("the help overlay lists every key", arguments: [(80, 24), (120, 40)])
    func help(size: (Int, Int)) {
        var state = state(tab: .token)
        state.isHelpVisible = true
        let frame = frame(state: state, columns: size.0, rows: size.1)
        expectSnapshot(frame, named: "help-\(size.0)x\(size.1)")
        // Where it does not fit it scrolls: every key is on one of its pages.
        var pages = ""
        for scroll in stride(from: 0, through: 40, by: 5) {
            state.helpScroll = scroll
            pages += self.frame(state: state, columns: size.0, rows: size.1).text
        }
        for action in DashboardAction.allCases {
            #expect(pages.contains(action.summary), "help should list \(action.rawValue)")
        }
    }

    @Test("the filter prompt shows what is typed and narrows the table; its hint names only keys that are not typed")
    func filterPrompt() {
        var state = state(tab: .token)
        state.isFilterPromptOpen = true
        state.filterText = "in"
        let footer = frame(state: state).text(ofRow: 23)
        #expect(footer.contains("↑ ↓ select"))
        #expect(!footer.contains("/k") && !footer.contains("/j"), "j and k go into the filter, so the hint does not offer them")
        expectSnapshot(frame(state: state), named: "filter-prompt-80x24")
        expectSnapshot(frame(state: state, columns: 120, rows: 40), named: "filter-prompt-120x40")
    }

    @Test("a revoke or copy asks before acting", arguments: [(80, 24), (120, 40)])
    func confirmPrompt(size: (Int, Int)) {
        var state = state(tab: .token)
        state.pendingConfirmation = .revoke(client: "billing-api")
        let revoke = frame(state: state, columns: size.0, rows: size.1)
        expectSnapshot(revoke, named: "confirm-revoke-\(size.0)x\(size.1)")
        #expect(revoke.text(ofRow: size.1 - 1).hasPrefix(" Revoke the token of billing-api?"))
        state.pendingConfirmation = .copyToken(client: "billing-api")
        expectSnapshot(frame(state: state, columns: size.0, rows: size.1), named: "confirm-copy-\(size.0)x\(size.1)")
    }

    @Test("a terminal below 60×15 is told the size needed")
    func tooSmall() {
        let frame = frame(columns: 50, rows: 12)
        expectSnapshot(frame, named: "too-small-50x12")
        #expect(frame.text.contains("Width = 60 Height = 15"))
    }

    @Test("without colour, meaning is carried by symbols, words and attributes")
    func monochrome() {
        let frame = frame(state: state(tab: .token), context: Fixtures.context(depth: .monochrome))
        expectSnapshot(frame, named: "no-color-80x24")
        #expect(frame.cells.allSatisfy { $0.style.foreground == .terminalDefault && $0.style.background == .terminalDefault })
        let selectedRow = (0..<frame.height).first { frame.text(ofRow: $0).contains("▶") }!
        #expect(frame[20, selectedRow].style.attributes.contains(.reverse))
        let expiredRow = (0..<frame.height).first { frame.text(ofRow: $0).contains("expired  orders") }!
        #expect(frame[4, expiredRow].style.attributes.isSuperset(of: [.bold, .underline]))
    }

    @Test("an ASCII locale gets ASCII symbols and bars")
    func asciiFallback() {
        let frame = frame(state: state(tab: .responses), context: Fixtures.context(glyphs: .ascii))
        expectSnapshot(frame, named: "ascii-80x24")
        #expect(frame.cells.allSatisfy { $0.scalar.isASCII })
    }

    @Test(
        "a hostile body cannot reach the terminal as control characters, and its text still shows", arguments: DetailTab.allCases)
    func hostile(tab: DetailTab) {
        let frame = frame(Fixtures.hostileSnapshot(), state: state(tab: tab, selected: "evil"), columns: 120, rows: 40)
        for cell in frame.cells {
            #expect(
                cell.scalar.value >= 0x20 && !(0x7F..<0xA0).contains(cell.scalar.value),
                "control U+\(String(cell.scalar.value, radix: 16)) in a cell")
        }
        #expect(!frame.text.contains("pwned") && !frame.text.contains("ZXZpbA"), "OSC payloads are dropped whole")
        #expect(!frame.text.contains("[2J") && !frame.text.contains("[31m"), "CSI sequences are dropped whole")
        switch tab {
        case .responses, .claims:
            #expect(frame.text.contains("visible text after end"))
        case .token, .history:
            #expect(frame.text.contains("visible text"))
        }
        if tab == .responses { expectSnapshot(frame, named: "hostile-responses-120x40") }
    }
}

@Suite("Drawing many clients and other themes")
struct RendererScaleTests {
    let renderer = Renderer()

    @Test("with a thousand clients the table shows a window around the selection and says where it is")
    func thousandClients() {
        let snapshot = Fixtures.manyClients(1000)
        let state = ViewState(selectedClient: "client-0500")
        let frame = renderer.render(
            snapshot, state: state, size: TerminalSize(columns: 120, rows: 40), now: Fixtures.now, context: Fixtures.context())
        let rows = (0..<frame.height).map { frame.text(ofRow: $0) }
        #expect(rows.contains { $0.hasPrefix("▶") && $0.contains("client-0500") })
        #expect(rows.contains { $0.contains("client-0500 501/1000") }, "the tab bar says which of how many")
        #expect(!rows.contains { $0.contains("client-0000") }, "rows far from the selection are not drawn")
    }

    @Test("PgDn scrolls a long detail pane and says how much is left")
    func detailScroll() {
        var state = ViewState(selectedClient: "billing-api", tab: .claims)
        let size = TerminalSize(columns: 80, rows: 24)
        let top = renderer.render(Fixtures.snapshot(), state: state, size: size, now: Fixtures.now, context: Fixtures.context())
        let marker = try! #require((0..<top.height).map { top.text(ofRow: $0) }.first { $0.contains("more (PgDn)") })
        #expect(marker.prefix { $0 != "↓" }.allSatisfy { $0 == " " }, "the marker has a row of its own: \(marker)")
        #expect(!top.text.contains("\"eu-west-1\""))
        _ = InputHandler().handle(.pageDown, state: &state, snapshot: Fixtures.snapshot(), now: Fixtures.now)
        let scrolled = renderer.render(
            Fixtures.snapshot(), state: state, size: size, now: Fixtures.now, context: Fixtures.context())
        #expect(scrolled.text.contains("\"eu-west-1\""), "the pretty-printed tenant claim comes into view")
    }

    @Test(
        "a theme drawn on an 8-colour terminal uses only the 8 colours",
        arguments: ["dark", "light", "colorblind", "high-contrast"])
    func eightColours(name: String) throws {
        let theme = try ThemeLoader(directories: [ThemeTests.shippedDirectory]).load(named: name)
        let frame = renderer.render(
            Fixtures.snapshot(), state: ViewState(), size: TerminalSize(columns: 80, rows: 24), now: Fixtures.now,
            context: Fixtures.context(depth: .eight, theme: theme))
        for cell in frame.cells {
            for colour in [cell.style.foreground, cell.style.background] {
                if case .indexed(let index) = colour { #expect(index < 8) }
            }
        }
        let colours = Set(frame.cells.map(\.style.foreground))
        #expect(colours.count >= 4, "states still differ in colour")
        let plain = theme.style(.text, depth: .eight)
        let selection = theme.style(.selection, depth: .eight)
        #expect(selection != plain, "the selected row stays visible when its colour is lost")
    }
}

@Suite("What the screen says about keys and names")
struct RendererDetailsTests {
    let renderer = Renderer()
    let size = TerminalSize(columns: 100, rows: 30)

    @Test("rebound keys show in the footer and in help")
    func reboundKeysShown() throws {
        let context = Fixtures.context(keyMap: try KeyMap(bindings: ["refresh": "f", "help": "H"]))
        let frame = renderer.render(Fixtures.snapshot(), state: ViewState(), size: size, now: Fixtures.now, context: context)
        #expect(frame.text(ofRow: size.rows - 1).contains(" H help q quit f refresh"))
        var state = ViewState()
        state.isHelpVisible = true
        let help = renderer.render(Fixtures.snapshot(), state: state, size: size, now: Fixtures.now, context: context)
        #expect(help.text.contains(/f +refresh selected token/))
    }

    @Test("the API column is named for the configured resource path, or API when clients call different ones")
    func answerColumnTitle() {
        let shared = renderer.render(
            Fixtures.snapshot(), state: ViewState(), size: size, now: Fixtures.now, context: Fixtures.context())
        #expect(shared.text(ofRow: 1).contains(" /mod "))
        var snapshot = Fixtures.snapshot()
        snapshot.clients[1].resourceURI = "http://127.0.0.1:8081/orders?page=1"
        let mixed = renderer.render(snapshot, state: ViewState(), size: size, now: Fixtures.now, context: Fixtures.context())
        #expect(mixed.text(ofRow: 1).contains(" API "))
        #expect(!mixed.text(ofRow: 1).contains("/mod"))
        snapshot.clients = snapshot.clients.map {
            var client = $0
            client.resourceURI = client.resourceURI.map { _ in "http://h/orders" }
            return client
        }
        let orders = renderer.render(snapshot, state: ViewState(), size: size, now: Fixtures.now, context: Fixtures.context())
        #expect(orders.text(ofRow: 1).contains(" /orders "))
    }

    @Test("wide client names keep the table's columns aligned")
    func wideNames() {
        var snapshot = Fixtures.snapshot()
        snapshot.clients[1].name = "東京-billing"
        let frame = renderer.render(snapshot, state: ViewState(), size: size, now: Fixtures.now, context: Fixtures.context())
        let rows = (0..<frame.height).map { frame.text(ofRow: $0) }
        let wide = rows.first { $0.contains("東京-billing") }!
        let plain = rows.first { $0.contains("inventory") }!
        func column(of marker: String, in row: String) -> Int {
            let prefix = row[..<row.range(of: marker)!.lowerBound]
            return prefix.unicodeScalars.reduce(0) { $0 + (($1.value >= 0x3000 && $1.value < 0xA000) ? 2 : 1) }
        }
        #expect(column(of: "200 ", in: wide) == column(of: "200 ", in: plain))
    }
}
