import Dashboard
import Foundation
import Synchronization
import TokenModel

/// The full-screen dashboard on a real terminal. It draws `ManagerSnapshot`s with the pure
/// `Renderer`, writes only the cells that changed, and turns keys into `ClientAction`s.
///
/// All ncurses work happens on one dedicated thread; snapshots arrive through a mailbox and
/// actions leave through `send`, which must not block, so a key is answered on the next
/// frame even while a token endpoint hangs.
public final class TerminalDashboard: Sendable {
    /// What the dashboard shows beyond the snapshots.
    public struct Configuration: Sendable {
        /// The configuration file, for the header.
        public var configurationPath: String
        /// The themes `t` cycles through (see `ThemeLoader.loadAvailable`); never empty.
        public var themes: [Theme]
        /// The theme to start with (`--theme` or `theme:`); the first when nil or unknown.
        public var themeName: String?
        public var keyMap: KeyMap
        /// True when `NO_COLOR` asks for attributes only.
        public var noColor: Bool
        /// How long one wait for a key lasts when nothing can wake the wait (no pipe could be
        /// made): the longest a countdown or a delivery can wait to be drawn. Otherwise the
        /// wait lasts until a key, a delivery or the next second.
        public var inputTimeout: Duration
        /// True to take clicks and the wheel (`mouse:`, `--no-mouse`); off leaves the terminal's
        /// own text selection to the mouse.
        public var mouse: Bool
        /// True when whoever carries out actions records their outcomes as events (the local
        /// token manager does); false when attached, where an outcome would otherwise be lost
        /// once the footer fades, so the dashboard keeps it as a note of its own.
        public var actionOutcomesAreEvents: Bool

        public init(
            configurationPath: String, themes: [Theme] = [.builtIn], themeName: String? = nil, keyMap: KeyMap = .standard,
            noColor: Bool = ColorDepth.noColorRequested(in: ProcessInfo.processInfo.environment),
            inputTimeout: Duration = .milliseconds(50), mouse: Bool = true, actionOutcomesAreEvents: Bool = true
        ) {
            self.configurationPath = configurationPath
            self.themes = themes.isEmpty ? [.builtIn] : themes
            self.themeName = themeName
            self.keyMap = keyMap
            self.noColor = noColor
            self.inputTimeout = inputTimeout
            self.mouse = mouse
            self.actionOutcomesAreEvents = actionOutcomesAreEvents
        }
    }

    private let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the dashboard until the user quits (or the calling task is cancelled), then
    /// restores the terminal and returns. Actions and clipboard requests run as child tasks,
    /// each on its own, so one hanging endpoint never holds up a key or another action; their
    /// outcomes come back to the footer.
    ///
    /// - Parameters:
    ///   - initial: drawn until the first snapshot of `snapshots` arrives.
    ///   - snapshots: the manager's snapshots; the newest is drawn, older ones are skipped.
    ///   - perform: carries out an action and says how it ended.
    ///   - tokenForCopy: the raw token of a client, for `y`; nil when none is held. The token
    ///     goes to the clipboard through OSC 52 and never onto the screen.
    /// - Throws: `TerminalError` when there is no usable terminal.
    public func run(
        initial: ManagerSnapshot,
        snapshots: AsyncStream<ManagerSnapshot>,
        perform: @escaping @Sendable (ClientAction) async -> [ActionRecord],
        tokenForCopy: @escaping @Sendable (String) async -> String?
    ) async throws {
        let mailbox = Mailbox(snapshot: initial)
        let (requests, sink) = AsyncStream.makeStream(of: DashboardRequest.self)
        let configuration = configuration
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                for await snapshot in snapshots { mailbox.post(snapshot) }
            }
            group.addTask {
                await withDiscardingTaskGroup { work in
                    for await request in requests {
                        work.addTask {
                            switch request {
                            case .action(let action):
                                mailbox.post(await perform(action))
                            case .copy(let client):
                                mailbox.post(Mailbox.CopyResult(client: client, token: await tokenForCopy(client)))
                            }
                        }
                    }
                }
            }
            defer {
                sink.finish()
                group.cancelAll()
            }
            try await withTaskCancellationHandler {
                try await runOnTerminalThread(configuration: configuration, mailbox: mailbox, send: { sink.yield($0) })
            } onCancel: {
                mailbox.requestQuit()
            }
        }
    }

    private func runOnTerminalThread(
        configuration: Configuration, mailbox: Mailbox, send: @escaping @Sendable (DashboardRequest) -> Void
    ) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    let loop = try DashboardLoop(configuration: configuration, mailbox: mailbox, send: send)
                    loop.run()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "tokentop-terminal"
            thread.start()
        }
    }
}

/// What the terminal thread asks the rest of the process to do.
enum DashboardRequest: Sendable {
    case action(ClientAction)
    /// Fetch the held token of this client for the clipboard.
    case copy(String)
}

/// Where other threads leave things for the terminal thread: the newest snapshot, the
/// outcomes of actions and the results of clipboard requests.
final class Mailbox: Sendable {
    struct CopyResult: Sendable {
        var client: String
        var token: String?
    }

    private struct Contents {
        var snapshot: ManagerSnapshot
        var isSnapshotNew = true
        var copies: [CopyResult] = []
        /// Each action's records, kept together so that "refresh all" ends in one message.
        var outcomes: [[ActionRecord]] = []
        var isQuitRequested = false
    }

    private let contents: Mutex<Contents>
    /// Rung on every delivery, so the terminal thread need not look for them on a timer.
    let wakeSignal = WakeSignal()

    init(snapshot: ManagerSnapshot) {
        contents = Mutex(Contents(snapshot: snapshot))
    }

    func post(_ snapshot: ManagerSnapshot) {
        contents.withLock {
            $0.snapshot = snapshot
            $0.isSnapshotNew = true
        }
        wakeSignal?.wake()
    }

    func post(_ copy: CopyResult) {
        contents.withLock { $0.copies.append(copy) }
        wakeSignal?.wake()
    }

    func post(_ outcome: [ActionRecord]) {
        contents.withLock { $0.outcomes.append(outcome) }
        wakeSignal?.wake()
    }

    func takeOutcomes() -> [[ActionRecord]] {
        contents.withLock { contents in
            defer { contents.outcomes.removeAll() }
            return contents.outcomes
        }
    }

    /// The newest snapshot, if it arrived since the last call.
    func takeSnapshot() -> ManagerSnapshot? {
        contents.withLock { contents in
            guard contents.isSnapshotNew else { return nil }
            contents.isSnapshotNew = false
            return contents.snapshot
        }
    }

    func requestQuit() {
        contents.withLock { $0.isQuitRequested = true }
        wakeSignal?.wake()
    }

    var isQuitRequested: Bool {
        contents.withLock { $0.isQuitRequested }
    }

    func takeCopies() -> [CopyResult] {
        contents.withLock { contents in
            defer { contents.copies.removeAll() }
            return contents.copies
        }
    }
}

/// The terminal thread's loop: wait for a key until something arrives or the second turns,
/// take what arrived, redraw when the second, the snapshot or the view changed.
final class DashboardLoop {
    private let screen: CursesScreen
    private let configuration: TerminalDashboard.Configuration
    private let mailbox: Mailbox
    private let send: @Sendable (DashboardRequest) -> Void
    private let renderer = Renderer()
    private let handler: InputHandler
    private var state: ViewState
    private var snapshot: ManagerSnapshot

    init(
        configuration: TerminalDashboard.Configuration, mailbox: Mailbox, send: @escaping @Sendable (DashboardRequest) -> Void
    ) throws {
        let milliseconds = Int32(configuration.inputTimeout / .milliseconds(1))
        screen = try CursesScreen(
            noColor: configuration.noColor, mouse: configuration.mouse, inputTimeoutMilliseconds: max(10, milliseconds))
        self.configuration = configuration
        self.mailbox = mailbox
        self.send = send
        handler = InputHandler(keyMap: configuration.keyMap)
        let names = configuration.themes.map(\.name)
        state = ViewState(themeNames: names, themeIndex: configuration.themeName.flatMap { names.firstIndex(of: $0) } ?? 0)
        snapshot = mailbox.takeSnapshot() ?? ManagerSnapshot(generation: 0, takenAt: Date(), clients: [])
    }

    func run() {
        defer { screen.close() }
        var previous: Frame?
        var drawnLayout: ScreenLayout?
        var drawnSecond = Int.min
        var needsDrawing = true
        while !mailbox.isQuitRequested {
            if let newer = mailbox.takeSnapshot() {
                snapshot = newer
                needsDrawing = true
            }
            for copy in mailbox.takeCopies() {
                deliver(copy)
                needsDrawing = true
            }
            for outcome in mailbox.takeOutcomes() {
                if let message = FooterMessage(outcomes: outcome) { show(message, kept: !configuration.actionOutcomesAreEvents) }
                needsDrawing = true
            }
            let now = Date()
            let second = Int(now.timeIntervalSince1970.rounded(.down))
            if needsDrawing || second != drawnSecond {
                let (frame, layout) = renderer.renderWithLayout(
                    snapshot, state: state, size: screen.size, now: now, context: context())
                screen.draw(frame, since: previous)
                previous = frame
                drawnLayout = layout
                drawnSecond = second
                needsDrawing = false
            }
            guard let key = nextKey() else { continue }
            if key == .resize { previous = nil }
            needsDrawing = true
            let pressedAt = Date()
            // The screen as drawn: what a click hit, how far the pane scrolls. Every key is read
            // after the frame for the current state and snapshot was drawn (a key or a new
            // snapshot sets needsDrawing), so the drawn layout is this state's; only a resize
            // is handled at the new size.
            let drawn = key == .resize ? nil : drawnLayout
            let layout =
                drawn ?? renderer.layout(snapshot, state: state, size: screen.size, now: pressedAt, context: context())
            switch handler.handle(key, state: &state, snapshot: snapshot, now: pressedAt, layout: layout) {
            case .none:
                break
            case .manager(let action):
                send(.action(action))
            case .copyToken(let client):
                send(.copy(client))
            case .quit:
                return
            }
        }
    }

    /// The next key, waiting for it until the wall clock's next second (when the countdowns
    /// move) or until a delivery rings the mailbox's wake signal, whichever comes first.
    /// Without a wake signal, the wait is the configured input timeout.
    private func nextKey() -> InputKey? {
        guard let wake = mailbox.wakeSignal else { return screen.readKey() }
        let intoSecond = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 1)
        let untilNextSecond = Int32(((1 - intoSecond) * 1000).rounded(.up))
        let key = screen.readKey(waitingAtMost: min(max(untilNextSecond, 1), 1000), orUntilReadable: wake.readDescriptor)
        wake.drain()
        return key
    }

    private func context() -> ScreenContext {
        ScreenContext(
            configurationPath: configuration.configurationPath, theme: configuration.themes[state.themeIndex],
            colorDepth: screen.colorDepth, glyphs: screen.glyphs, keyMap: configuration.keyMap)
    }

    /// Writes the token to the clipboard with OSC 52; the token itself is never drawn.
    private func deliver(_ copy: Mailbox.CopyResult) {
        guard let token = copy.token, !token.isEmpty else {
            show(.nothingCopied(copy.client), kept: true)
            return
        }
        let encoded = Data(token.utf8).base64EncodedString()
        screen.writeRaw("\u{1B}]52;c;\(encoded)\u{07}")
        show(.copied(copy.client), kept: true)
    }

    /// Puts a message in the footer, from now: it fades `FooterMessage.lifetime` later. An
    /// action's outcome is not kept for the event log: the manager records it ("you: …").
    private func show(_ message: FooterMessage, kept: Bool) {
        state.show(message, at: Date(), kept: kept)
    }
}
