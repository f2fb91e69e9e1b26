import Dashboard
import Foundation
import Testing
import TokenModel

@Suite("Keys on the dashboard")
struct InputHandlerTests {
    let handler = InputHandler()
    let snapshot = Fixtures.snapshot()

    func press(_ keys: [InputKey], state: inout ViewState) -> [KeyOutcome] {
        keys.map { handler.handle($0, state: &state, snapshot: snapshot, now: Fixtures.now) }
    }

    @Test("j/k and arrows move the selection through the table's order; g/G jump to the ends")
    func selection() {
        var state = ViewState()
        _ = press([.character("j")], state: &state)
        #expect(state.selectedClient == "inventory", "the table is sorted by name, so the second row is inventory")
        _ = press([.down, .down], state: &state)
        #expect(state.selectedClient == "orders")
        _ = press([.character("k")], state: &state)
        #expect(state.selectedClient == "legacy-batch")
        _ = press([.character("G")], state: &state)
        #expect(state.selectedClient == "webhooks")
        _ = press([.down], state: &state)
        #expect(state.selectedClient == "webhooks", "moving past the end stays on the last client")
        _ = press([.character("g"), .up], state: &state)
        #expect(state.selectedClient == "billing-api")
    }

    @Test("L asks for the configuration to be read again and says so in the footer")
    func reload() {
        var state = ViewState()
        #expect(press([.character("L")], state: &state) == [.manager(.reloadConfiguration)])
        #expect(state.footerMessage?.text == "Reloading the configuration…")
    }

    @Test("Left/Right and h/l switch tabs like Tab and Shift-Tab")
    func tabsSideways() {
        var state = ViewState()
        _ = press([.right], state: &state)
        #expect(state.tab == .claims)
        _ = press([.character("l"), .character("l")], state: &state)
        #expect(state.tab == .history)
        _ = press([.left], state: &state)
        #expect(state.tab == .responses)
        _ = press([.character("h"), .character("h"), .character("h")], state: &state)
        #expect(state.tab == .history, "h wraps around from the first tab")
    }

    @Test("F1 opens help and F10 quits, as in htop")
    func functionKeys() {
        var state = ViewState()
        _ = press([.function(1)], state: &state)
        #expect(state.isHelpVisible)
        _ = press([.function(1)], state: &state)
        #expect(!state.isHelpVisible, "F1 closes it again")
        #expect(press([.function(10)], state: &state) == [.quit])
    }

    @Test("in the filter prompt j and k are typed; the arrows still move the selection")
    func filterTakesLetters() {
        var state = ViewState()
        _ = press([.character("/"), .character("j"), .character("k")], state: &state)
        #expect(state.filterText == "jk")
        state.filterText = ""
        _ = press([.down], state: &state)
        #expect(state.selectedClient == "inventory")
        #expect(state.isFilterPromptOpen)
    }

    @Test("the filter finds clients by scope and by verdict word")
    func filterByScopeAndVerdict() {
        var state = ViewState()
        state.filterText = "degraded"
        #expect(ClientList.visible(snapshot, state: state, now: Fixtures.now).map(\.name) == ["webhooks"])
        state.filterText = "ERROR"
        #expect(ClientList.visible(snapshot, state: state, now: Fixtures.now).map(\.name) == ["partner-sso"])
        state.filterText = "billing.write"
        #expect(ClientList.visible(snapshot, state: state, now: Fixtures.now).map(\.name) == ["billing-api"])
    }

    @Test("Tab, Shift-Tab and 1–4 switch tabs")
    func tabs() {
        var state = ViewState()
        _ = press([.tab], state: &state)
        #expect(state.tab == .claims)
        _ = press([.backTab, .backTab], state: &state)
        #expect(state.tab == .history, "Shift-Tab wraps around")
        _ = press([.character("3")], state: &state)
        #expect(state.tab == .responses)
        _ = press([.character("1")], state: &state)
        #expect(state.tab == .token)
    }

    @Test("a control character typed into the filter (Ctrl-Space types NUL) is left out, and names with accents still match")
    func filterRefusesControlCharacters() {
        var state = ViewState()
        _ = press([.character("/"), .character("t"), .character("\u{0}"), .character("\u{1B}"), .character("é")], state: &state)
        #expect(state.filterText == "té")
        state.filterText = "t"
        _ = press([.character("\u{0}")], state: &state)
        #expect(state.filterText == "t")
        let accented = ManagerSnapshot(
            generation: 1, takenAt: Fixtures.now, clients: [ClientSnapshot(name: "mod-cliént", state: .valid)])
        #expect(ClientList.visible(accented, state: state, now: Fixtures.now).map(\.name) == ["mod-cliént"])
    }

    @Test("/ opens a filter that takes typed keys; Enter keeps it, Esc clears it")
    func filter() {
        var state = ViewState()
        _ = press([.character("/"), .character("o"), .character("r"), .character("x"), .backspace], state: &state)
        #expect(state.isFilterPromptOpen)
        #expect(state.filterText == "or")
        #expect(
            ClientList.visible(snapshot, state: state, now: Fixtures.now).map(\.name) == [
                "inventory", "orders", "partner-sso", "reports",
            ],
            "partner-sso's verdict is error, which contains the filter too")
        let commands = press([.character("r")], state: &state)
        #expect(commands == [.none], "while the prompt is open, r is typed, not a refresh")
        _ = press([.backspace, .enter], state: &state)
        #expect(!state.isFilterPromptOpen && state.filterText == "or")
        _ = press([.down], state: &state)
        #expect(state.selectedClient == "orders", "billing-api is filtered out, so the selection starts from the first shown")
        _ = press([.escape], state: &state)
        #expect(state.filterText.isEmpty)
        #expect(ClientList.visible(snapshot, state: state, now: Fixtures.now).count == 8)
    }

    @Test("s cycles the sort: name, expiry, status")
    func sort() {
        var state = ViewState()
        _ = press([.character("s")], state: &state)
        #expect(state.sort == .expiry)
        #expect(ClientList.visible(snapshot, state: state, now: Fixtures.now).first?.name == "orders", "the soonest expiry first")
        _ = press([.character("s")], state: &state)
        #expect(state.sort == .status)
        let order = ClientList.visible(snapshot, state: state, now: Fixtures.now).map(\.name)
        #expect(
            order == ["partner-sso", "orders", "webhooks", "search-edge", "billing-api", "inventory", "legacy-batch", "reports"],
            "worst first: error, expired, degraded, pending, then ok by name, a token 7 s from its refresh among them")
        _ = press([.character("s")], state: &state)
        #expect(state.sort == .name)
    }

    @Test("r, R, i and p ask the manager about the selected client")
    func managerActions() {
        var state = ViewState(selectedClient: "inventory")
        #expect(press([.character("r")], state: &state) == [.manager(.refresh(client: "inventory"))])
        #expect(press([.character("R")], state: &state) == [.manager(.refreshAll)])
        #expect(press([.character("i")], state: &state) == [.manager(.introspect(client: "inventory"))])
        #expect(press([.character("p")], state: &state) == [.manager(.togglePolling(client: "inventory"))])
        #expect(state.footerMessage?.text == "Pausing polling of inventory")
    }

    @Test("x asks before revoking; only y goes ahead, and Enter, like any other key, is no")
    func revokeConfirmation() {
        var state = ViewState(selectedClient: "orders")
        #expect(press([.character("x")], state: &state) == [.none])
        #expect(state.pendingConfirmation == .revoke(client: "orders"))
        #expect(press([.character("n")], state: &state) == [.none])
        #expect(state.pendingConfirmation == nil)
        #expect(state.footerMessage?.text == "Revoke cancelled")
        #expect(
            press([.character("x"), .character("q")], state: &state) == [.none, .none],
            "q answers no; it does not quit mid-question")
        #expect(press([.character("x"), .enter], state: &state) == [.none, .none], "Enter no longer confirms a revoke")
        #expect(state.footerMessage?.text == "Revoke cancelled")
        #expect(press([.character("x"), .character("y")], state: &state) == [.none, .manager(.revoke(client: "orders"))])
    }

    @Test("y asks before copying the token, then asks the driver to copy it")
    func copyConfirmation() {
        var state = ViewState(selectedClient: "billing-api")
        #expect(press([.character("y")], state: &state) == [.none])
        #expect(state.pendingConfirmation == .copyToken(client: "billing-api"))
        #expect(press([.character("y")], state: &state) == [.copyToken(client: "billing-api")])
        #expect(press([.character("y"), .escape], state: &state) == [.none, .none])
        #expect(state.footerMessage?.text == "Copy cancelled")
    }

    @Test("? shows help, which Esc closes; q and Ctrl-C quit")
    func helpAndQuit() {
        var state = ViewState()
        _ = press([.character("?")], state: &state)
        #expect(state.isHelpVisible)
        #expect(press([.character("r")], state: &state) == [.none], "keys do nothing behind the help")
        _ = press([.escape], state: &state)
        #expect(!state.isHelpVisible)
        #expect(press([.character("q")], state: &state) == [.quit])
        state.isFilterPromptOpen = true
        #expect(press([.controlC], state: &state) == [.quit], "Ctrl-C quits from anywhere")
    }

    @Test("t cycles the themes and says which one is on")
    func themes() {
        var state = ViewState(themeNames: ["default", "dark", "light"])
        _ = press([.character("t"), .character("t")], state: &state)
        #expect(state.themeName == "light")
        #expect(state.footerMessage?.text == "Theme: light")
        _ = press([.character("t")], state: &state)
        #expect(state.themeName == "default")
    }

    @Test("with no clients, actions say there is nothing selected")
    func noClients() {
        var state = ViewState()
        let empty = ManagerSnapshot(generation: 0, takenAt: Fixtures.now, clients: [])
        #expect(handler.handle(.character("r"), state: &state, snapshot: empty, now: Fixtures.now) == .none)
        #expect(state.footerMessage == FooterMessage("No client selected", isError: true))
    }

    @Test("rebound keys drive the same actions")
    func reboundKeys() throws {
        let handler = InputHandler(keyMap: try KeyMap(bindings: ["refresh": "f", "down": "ctrl-n"]))
        var state = ViewState()
        #expect(handler.handle(.control("n"), state: &state, snapshot: snapshot, now: Fixtures.now) == .none)
        #expect(state.selectedClient == "inventory")
        #expect(
            handler.handle(.character("f"), state: &state, snapshot: snapshot, now: Fixtures.now)
                == .manager(.refresh(client: "inventory")))
        #expect(
            handler.handle(.character("r"), state: &state, snapshot: snapshot, now: Fixtures.now) == .none,
            "r no longer refreshes")
    }
}

@Suite("Key bindings from the configuration")
struct KeyMapTests {
    @Test("a binding replaces the action's default keys")
    func rebinding() throws {
        let keys = try KeyMap(bindings: ["refresh": "f", "quit": "ctrl-x", "next-tab": "right"])
        #expect(keys.action(for: .character("f")) == .refresh)
        #expect(keys.action(for: .character("r")) == nil)
        #expect(keys.action(for: .control("x")) == .quit)
        #expect(keys.action(for: .right) == .nextTab)
        #expect(keys.label(for: .quit) == "^X")
        #expect(keys.action(for: .character("j")) == .down, "other actions keep their keys")
    }

    @Test("an unknown action is named in the error")
    func unknownAction() {
        #expect {
            try KeyMap(bindings: ["refesh": "f"])
        } throws: { error in
            "\(error)".contains("unknown action 'refesh'") && "\(error)".contains("refresh-all")
        }
    }

    @Test("a key that is not a key is named with its action")
    func badKey() {
        #expect {
            try KeyMap(bindings: ["refresh": "ctrl-shift-f"])
        } throws: { error in
            "\(error)".hasPrefix("keys.refresh: 'ctrl-shift-f' is not a key")
        }
    }

    @Test("a key bound twice names both actions; Esc and Ctrl-C cannot be taken")
    func conflicts() {
        #expect {
            try KeyMap(bindings: ["refresh": "k"])
        } throws: { error in
            "\(error)".contains("'k' is bound to more than one action (up, refresh)")
        }
        #expect(throws: KeyMapError.self) { try KeyMap(bindings: ["quit": "ctrl-c"]) }
        #expect(throws: Never.self) { try KeyMap(bindings: ["refresh": "k", "up": "U"]) }
    }
}
