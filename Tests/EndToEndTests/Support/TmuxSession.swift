import Foundation
import TokenModel
import TokenTesting

#if canImport(Glibc)
    import Glibc
#endif

/// The real `tokentop` binary in a detached tmux session on a private tmux server, driven
/// with send-keys and read with capture-pane, as a person at a terminal would.
final class TmuxSession {
    let name = "e2e"
    let directory: URL
    let exitFile: URL
    /// The private tmux server's socket, inside `directory` so nothing outlives the test.
    private var socket: String { directory.appendingPathComponent("tmux.sock").path }
    /// The tmux server and the pane's process group, stopped for certain in `deinit`.
    private var server = ForeignProcess(0)
    private var pane = ForeignProcess(0)

    /// Starts `tokentop ARGUMENTS` in a `width`×`height` pane, in an empty working directory
    /// with no configuration anywhere (so the embedded demo runs) unless ARGUMENTS name one.
    init(arguments: [String], width: Int = 120, height: Int = 40, environment: [String: String] = [:]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        exitFile = directory.appendingPathComponent("exit-status")
        let binary = try Self.binary().path
        let command = ([binary] + arguments).map(Self.quote).joined(separator: " ")
        // The shell records the exit status, then stays so the pane can be read afterwards.
        let script =
            "\(command); echo $? > \(Self.quote(exitFile.path)); stty -a > \(Self.quote(directory.appendingPathComponent("stty").path)); exec sleep 600"
        var env = [
            "TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "HOME=\(directory.path)",
            "XDG_CONFIG_HOME=\(directory.path)/config", "TOKENTOP_CONFIG=",
        ]
        env += environment.map { "\($0.key)=\($0.value)" }
        try tmuxNow(
            ["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "-c", directory.path]
                + env.flatMap { ["-e", $0] } + ["sh", "-c", script])
        server = ForeignProcess(
            pid_t(try tmuxNow(["display-message", "-p", "#{pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
        pane = ForeignProcess(
            pid_t(
                try tmuxNow(["display-message", "-p", "-t", name, "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines))
                ?? 0)
    }

    deinit {
        _ = try? tmuxNow(["kill-server"])
        // kill-server alone has been seen to leave the server behind: make sure.
        // Only while they are still the processes started here: by now their pids may belong to
        // another test's process (pids wrap at 32,768 here), which a kill would end.
        if pane.isStillRunning { kill(-pane.pid, SIGKILL) }
        if server.isStillRunning { kill(server.pid, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The pane's text now.
    func screen() async throws -> String {
        try await tmux(["capture-pane", "-p", "-t", name])
    }

    /// Sends keys in tmux's names (`q`, `Down`, `Tab`, `C-c`, `?`).
    func send(_ keys: String...) async throws {
        _ = try await tmux(["send-keys", "-t", name] + keys)
    }

    /// Clicks the first button at a cell (from 0), written to the pane's input as a terminal
    /// reports it to a program that asked for the mouse: press, then release.
    func click(column: Int, row: Int) async throws {
        try await sendMouse(button: 0, column: column, row: row)
        try await sendMouse(button: 0, column: column, row: row, release: true)
    }

    /// Turns the wheel one notch at a cell (from 0).
    func wheel(down: Bool, column: Int, row: Int) async throws {
        try await sendMouse(button: down ? 65 : 64, column: column, row: row)
    }

    /// In the encoding the program asked for: SGR (1006) when it did, else the classic
    /// `ESC [ M` with each number plus 32 in one byte (enough below 223 columns).
    private func sendMouse(button: Int, column: Int, row: Int, release: Bool = false) async throws {
        let bytes: [UInt8]
        if try await tmux(["display-message", "-p", "-t", name, "#{mouse_sgr_flag}"]).contains("1") {
            bytes = Array("\u{1B}[<\(button);\(column + 1);\(row + 1)\(release ? "m" : "M")".utf8)
        } else {
            bytes = [0x1B, 0x5B, 0x4D, UInt8(32 + (release ? 3 : button)), UInt8(33 + column), UInt8(33 + row)]
        }
        _ = try await tmux(["send-keys", "-t", name, "-H"] + bytes.map { String($0, radix: 16) })
    }

    /// True while the program in the pane has asked the terminal for mouse reports.
    func mouseReportingOn() async throws -> Bool {
        try await tmux(["display-message", "-p", "-t", name, "#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}"])
            .contains(
                "1")
    }

    /// Waits, bounded, until the screen satisfies `condition`; returns that screen.
    @discardableResult
    func waitForScreen(
        _ what: String, timeout: TimeInterval = 30, _ condition: (String) -> Bool
    ) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try await screen()
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw E2EError("timed out after \(Int(timeout))s waiting for \(what); the screen was:\n\(last)")
    }

    /// The exit status the shell recorded, once tokentop has exited.
    func waitForExit(timeout: TimeInterval = 15) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOf: exitFile, encoding: .utf8),
                let status = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return status
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw E2EError("tokentop did not exit within \(Int(timeout))s; the screen was:\n\((try? await screen()) ?? "")")
    }

    /// Whether the pane is still on the alternate screen (a dashboard that did not clean up).
    func alternateScreenOn() async throws -> Bool {
        try await tmux(["display-message", "-p", "-t", name, "#{alternate_on}"]).trimmingCharacters(in: .whitespacesAndNewlines)
            == "1"
    }

    /// Lets the pane's program set tmux's clipboard with OSC 52, as a terminal with clipboard
    /// access would; `pasteBuffer()` then reads what it copied.
    func acceptClipboard() async throws {
        _ = try await tmux(["set-option", "-s", "set-clipboard", "on"])
    }

    /// The newest paste buffer: what the program last copied with OSC 52.
    func pasteBuffer() async throws -> String {
        try await tmux(["show-buffer"])
    }

    /// The terminal modes after tokentop exited, as `stty -a` printed them.
    func terminalModes() throws -> String {
        try String(contentsOf: directory.appendingPathComponent("stty"), encoding: .utf8)
    }

    /// Runs a tmux client on a thread of its own and waits for it there. Waited for on the
    /// cooperative pool (two threads on two cores), the many short tmux calls of the terminal
    /// tests running side by side held both threads at times, and starved the in-process
    /// servers of other tests: trivial tests took 60 s, and `serve`'s clients did not settle
    /// within 15 s (seen in CI).
    @discardableResult
    private func tmux(_ arguments: [String]) async throws -> String {
        let (socket, directory) = (self.socket, self.directory)
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.runTmux(arguments, socket: socket, directory: directory) })
            }
        }
    }

    /// The same, waited for on the calling thread: for `init` and `deinit`, once a session.
    @discardableResult
    private func tmuxNow(_ arguments: [String]) throws -> String {
        try Self.runTmux(arguments, socket: socket, directory: directory)
    }

    private static func runTmux(_ arguments: [String], socket: String, directory: URL) throws -> String {
        // Output goes through a file, not a pipe: `new-session` starts a tmux server that
        // would inherit a pipe and hold it open long after the client has exited.
        let outputFile = directory.appendingPathComponent("tmux-output-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let status = try spawnAndWait(["tmux", "-S", socket, "-f", "/dev/null"] + arguments, output: outputFile.path)
        let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard status == 0 else { throw E2EError("tmux \(arguments.first ?? "") failed (\(status)): \(text)") }
        return text
    }

    /// The built `tokentop` (see `BuiltBinary`).
    static func binary() throws -> URL {
        try BuiltBinary.tokentop()
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Runs a command with stdout and stderr to a file and waits for it with waitpid: Foundation's
/// Process leaves the short-lived tmux client unreaped here.
func spawnAndWait(_ arguments: [String], output: String) throws -> Int32 {
    let pid = try spawn(arguments, output: output)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return exitStatus(status)
}

/// Starts a command with its standard streams on files; returns its pid.
func spawn(
    _ arguments: [String], input: String = "/dev/null", output: String, errors: String? = nil,
    environment: [String: String]? = nil, directory: String? = nil
) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if let errors {
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    } else {
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    // The shell changes directory first: posix_spawn's chdir action is not visible from Swift here.
    let command = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0] + arguments } ?? arguments
    let argv = command.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
    defer { for pointer in envp ?? [] { free(pointer) } }
    // As a shell would start it: a child that inherited the test thread's blocked SIGTERM would
    // outlive the test that stops it.
    var pid: pid_t = 0
    let spawned = ShellLikeSpawn.withAttributes { attributes in
        envp.map { posix_spawnp(&pid, command[0], &actions, attributes, argv, $0) }
            ?? posix_spawnp(&pid, command[0], &actions, attributes, argv, environ)
    }
    guard spawned == 0 else { throw E2EError("cannot run \(arguments[0]): error \(spawned)") }
    return pid
}

/// A process this test did not start itself (the tmux server, the pane's shell), known by its
/// pid and its start time: once it has ended and been reaped elsewhere, its pid can be given to
/// any other process, so a pid alone is not enough to kill it safely.
struct ForeignProcess {
    let pid: pid_t
    private let startTime: String?

    init(_ pid: pid_t) {
        self.pid = pid
        startTime = pid > 0 ? Self.startTime(of: pid) : nil
    }

    /// Whether the pid still names the process seen at `init`.
    var isStillRunning: Bool {
        startTime != nil && Self.startTime(of: pid) == startTime
    }

    /// Field 22 of /proc/PID/stat, the start time in clock ticks since boot; nil when it is gone.
    private static func startTime(of pid: pid_t) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let endOfName = stat.lastIndex(of: ")")
        else { return nil }
        // The name may hold spaces and parentheses: fields are counted after its last ')', from field 3.
        let fields = stat[stat.index(after: endOfName)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }
}

/// Waits, bounded, for a child to exit and returns its status (128 + signal when killed);
/// past the timeout the child is killed and an error says what hung.
func waitForExit(of pid: pid_t, timeout: TimeInterval = 30, what: String = "a child process") async throws -> Int32 {
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while true {
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return exitStatus(status) }
        if result == -1 && errno != EINTR { throw E2EError("waitpid failed for \(what)") }
        if Date() > deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            throw E2EError("\(what) did not finish within \(Int(timeout))s")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

private func exitStatus(_ status: Int32) -> Int32 {
    (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs the binary to completion (for CLI tests), with a bounded wait. Output goes through
/// files and the child is reaped with waitpid, so nothing depends on pipes that another
/// child (a demo server started by a test running alongside) might have inherited.
/// `standardOutput` sends stdout elsewhere (`/dev/full`); `stdout` is then empty.
func runTokentop(
    _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: TimeInterval = 60,
    standardOutput: String? = nil
) async throws -> (status: Int32, stdout: String, stderr: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("stdin").path
    try (stdin ?? "").write(toFile: input, atomically: true, encoding: .utf8)
    let output = standardOutput ?? directory.appendingPathComponent("stdout").path
    let errors = directory.appendingPathComponent("stderr").path

    var variables = ProcessInfo.processInfo.environment
    variables["TOKENTOP_CONFIG"] = nil
    for (key, value) in environment { variables[key] = value }
    let pid = try spawn(
        [try TmuxSession.binary().path] + arguments, input: input, output: output, errors: errors,
        environment: variables, directory: environment["HOME"])
    let status = try await waitForExit(of: pid, timeout: timeout, what: "tokentop \(arguments.joined(separator: " "))")
    let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    return (status, standardOutput == nil ? read(output) : "", read(errors))
}
