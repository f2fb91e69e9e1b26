import CNcurses
import Dashboard
import Foundation

/// The one owner of ncurses: created, used and closed on a single thread, and checking
/// that on every call (ncurses is not thread-safe), in the spirit of NIOLoopBound.
final class CursesScreen {
    private let owner: pthread_t
    private let screen: OpaquePointer
    /// What the terminal reports, after `NO_COLOR`.
    let colorDepth: ColorDepth
    /// Unicode symbols when the locale is UTF-8, ASCII otherwise.
    let glyphs: Glyphs
    private var pairs: [PairKey: Int32] = [:]
    private var previousHandlers: [(Int32, sighandler_t?)] = []
    private var isOpen = true
    /// How long `readKey()` waits.
    private let inputTimeoutMilliseconds: Int32

    private struct PairKey: Hashable {
        let foreground: Int32
        let background: Int32
    }

    /// Takes over the terminal: locale, `newterm` (an error rather than an exit when the
    /// terminal is unknown), raw keys, no echo, hidden cursor, colours, the mouse when asked
    /// for, signal handlers that restore the terminal.
    init(noColor: Bool, mouse: Bool, inputTimeoutMilliseconds: Int32) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw TerminalError.notATerminal }
        setlocale(LC_ALL, "")
        glyphs = tt_locale_is_utf8() != 0 ? .unicode : .ascii
        guard let screen = newterm(nil, tt_stdout(), tt_stdin()) else {
            throw TerminalError.cannotOpen(term: ProcessInfo.processInfo.environment["TERM"] ?? "")
        }
        self.screen = screen
        owner = pthread_self()
        set_term(screen)
        previousHandlers = Self.installRestoringHandlers()
        raw()
        noecho()
        nonl()
        keypad(tt_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        self.inputTimeoutMilliseconds = inputTimeoutMilliseconds
        tt_timeout(inputTimeoutMilliseconds)
        tt_mouse(mouse ? 1 : 0)
        if has_colors() && !noColor {
            start_color()
            use_default_colors()
            colorDepth = ColorDepth(colors: Int(tt_colors()), noColor: false)
        } else {
            colorDepth = .monochrome
        }
    }

    /// The crashes, after which the terminal must still be given back: the handler restores
    /// it (`endwin`, the one call kept in a signal handler), then the signal takes its default
    /// course. SIGINT, SIGTERM and SIGHUP are not here: they shut the service group down
    /// gracefully, and the dashboard closes the screen on that path.
    private static let restoringSignals: [Int32] = [SIGQUIT, SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE]

    private static func installRestoringHandlers() -> [(Int32, sighandler_t?)] {
        restoringSignals.map { number in
            let previous = signal(number) { received in
                endwin()
                signal(received, SIG_DFL)
                raise(received)
            }
            return (number, previous)
        }
    }

    private func checkThread() {
        precondition(pthread_equal(owner, pthread_self()) != 0, "ncurses used off its thread")
        precondition(isOpen, "ncurses used after the screen was closed")
    }

    /// The terminal's size now.
    var size: TerminalSize {
        checkThread()
        var rows: Int32 = 0
        var columns: Int32 = 0
        tt_getmaxyx(tt_stdscr(), &rows, &columns)
        return TerminalSize(columns: Int(columns), rows: Int(rows))
    }

    /// Waits up to `milliseconds` for a key, and no longer than until `descriptor` is readable
    /// (a wake signal). A resize ends the wait too: the signal interrupts `poll`, and ncurses
    /// then reports the new size as a key.
    func readKey(waitingAtMost milliseconds: Int32, orUntilReadable descriptor: Int32) -> InputKey? {
        checkThread()
        // ncurses may already hold keys it read (the rest of a pasted burst), which `poll`
        // would not see: those come first.
        tt_timeout(0)
        defer { tt_timeout(inputTimeoutMilliseconds) }
        if let key = readKey() { return key }
        var watched = [
            pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
        ]
        _ = poll(&watched, nfds_t(watched.count), milliseconds)
        return readKey()
    }

    /// Waits up to the input timeout for a key.
    func readKey() -> InputKey? {
        checkThread()
        var character: wint_t = 0
        let result = tt_get_wch(&character)
        if result == tt_key_code_yes() {
            return Int32(character) == tt_key_mouse() ? Self.mouseEvent() : Self.functionKey(Int32(character))
        }
        guard result == tt_ok() else { return nil }
        switch character {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(character) + 96)))
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)) else { return nil }
            return .character(Character(scalar))
        }
    }

    private static func mouseEvent() -> InputKey? {
        var column: Int32 = 0
        var row: Int32 = 0
        let button: MouseEvent.Button
        switch tt_get_mouse(&column, &row) {
        case 1: button = .left
        case 4: button = .wheelUp
        case 5: button = .wheelDown
        default: return nil
        }
        return .mouse(MouseEvent(button, column: Int(column), row: Int(row)))
    }

    private static func functionKey(_ code: Int32) -> InputKey? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_BTAB: return .backTab
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_ENTER: return .enter
        case KEY_RESIZE: return .resize
        case tt_key_f(1)...tt_key_f(12): return .function(Int(code - tt_key_f(0)))
        default: return nil
        }
    }

    /// Writes the cells of `frame` that differ from `previous` (all of them when there is
    /// none), then lets ncurses send the minimum to the terminal.
    func draw(_ frame: Frame, since previous: Frame?) {
        checkThread()
        if previous == nil {
            tt_erase()
            tt_clearok()
        }
        var text: [wchar_t] = []
        for run in frame.changedRuns(since: previous) {
            tt_attr_set(attributes(run.style.attributes), pair(for: run.style))
            text.removeAll(keepingCapacity: true)
            for scalar in frame.scalars(of: run) { text.append(wchar_t(bitPattern: scalar.value)) }
            text.append(0)
            tt_mvaddnwstr(Int32(run.row), Int32(run.column), text, Int32(text.count - 1))
        }
        tt_refresh()
    }

    /// Sends bytes to the terminal outside ncurses, between frames (OSC 52).
    func writeRaw(_ bytes: String) {
        checkThread()
        var remaining = Array(bytes.utf8)
        while !remaining.isEmpty {
            let written = remaining.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    tt_write_stdout($0, UInt(buffer.count))
                }
            }
            guard written > 0 else { return }
            remaining.removeFirst(written)
        }
    }

    /// Gives the terminal back as it was.
    func close() {
        checkThread()
        endwin()
        delscreen(screen)
        for (number, handler) in previousHandlers { signal(number, handler) }
        isOpen = false
    }

    private func attributes(_ attributes: TextAttributes) -> attr_t {
        var result = tt_a_normal()
        if attributes.contains(.bold) { result |= tt_a_bold() }
        if attributes.contains(.dim) { result |= tt_a_dim() }
        if attributes.contains(.reverse) { result |= tt_a_reverse() }
        if attributes.contains(.underline) { result |= tt_a_underline() }
        return result
    }

    /// The colour pair for a style's colours, allocated on first use.
    private func pair(for style: Style) -> Int32 {
        guard colorDepth != .monochrome else { return 0 }
        let key = PairKey(foreground: style.foreground.cursesNumber, background: style.background.cursesNumber)
        if key.foreground == -1 && key.background == -1 { return 0 }
        if let pair = pairs[key] { return pair }
        let pair = alloc_pair(key.foreground, key.background)
        let usable = pair < 0 ? 0 : pair
        pairs[key] = usable
        return usable
    }
}
