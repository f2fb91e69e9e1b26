#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The real `tokentop` binary in a detached tmux session on a private tmux server, driven
/// with send-keys and read with capture-pane, as a person at a terminal would.
final class TmuxSession {
    let socket = "tokentop-e2e-\(UUID().uuidString.prefix(8))"
    let name = "e2e"
    let directory: URL
    let exitFile: URL

    /// Starts `tokentop ARGUMENTS` in a `width`×`height` pane, in an empty working directory
    /// with no configuration anywhere (so the embedded demo runs) unless ARGUMENTS name one.
    init(arguments: [String], width: Int = 120, height: Int = 40, environment: [String: String] = [:]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        exitFile = directory.appendingPathComponent("exit-status")
        let binary = try Self.binary().path
        let command = ([binary] + arguments).map(Self.quote).joined(separator: " ")
        // The shell records the exit status, then stays so the pane can be read afterwards.
        let script = "\(command); echo $? > \(Self.quote(exitFile.path)); stty -a > \(Self.quote(directory.appendingPathComponent("stty").path)); exec sleep 600"
        var env = [
            "TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "HOME=\(directory.path)",
            "XDG_CONFIG_HOME=\(directory.path)/config", "TOKENTOP_CONFIG=",
        ]
        env += environment.map { "\($0.key)=\($0.value)" }
        try tmux(
            ["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "-c", directory.path]
                + env.flatMap { ["-e", $0] } + ["sh", "-c", script])
    }

    deinit {
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// The pane's text now.
    func screen() throws -> String {
        try tmux(["capture-pane", "-p", "-t", name])
    }

    /// Sends keys in tmux's names (`q`, `Down`, `Tab`, `C-c`, `?`).
    func send(_ keys: String...) throws {
        _ = try tmux(["send-keys", "-t", name] + keys)
    }

    /// Waits, bounded, until the screen satisfies `condition`; returns that screen.
    @discardableResult
    func waitForScreen(
        _ what: String, timeout: TimeInterval = 30, _ condition: (String) -> Bool
    ) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
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
        throw E2EError("tokentop did not exit within \(Int(timeout))s; the screen was:\n\((try? screen()) ?? "")")
    }

    /// Whether the pane is still on the alternate screen (a dashboard that did not clean up).
    func alternateScreenOn() throws -> Bool {
        try tmux(["display-message", "-p", "-t", name, "#{alternate_on}"]).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    /// The terminal modes after tokentop exited, as `stty -a` printed them.
    func terminalModes() throws -> String {
        try String(contentsOf: directory.appendingPathComponent("stty"), encoding: .utf8)
    }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        // Output goes through a file, not a pipe: `new-session` starts a tmux server that
        // would inherit a pipe and hold it open long after the client has exited.
        let outputFile = directory.appendingPathComponent("tmux-output-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let status = try spawnAndWait(["tmux", "-L", socket, "-f", "/dev/null"] + arguments, output: outputFile.path)
        let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard status == 0 else { throw E2EError("tmux \(arguments.first ?? "") failed (\(status)): \(text)") }
        return text
    }

    /// The built `tokentop`: `$TOKENTOP_BINARY`, else `.build/debug/tokentop` of this package.
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["TOKENTOP_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidate = root.appendingPathComponent(".build/debug/tokentop")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw E2EError("no tokentop binary at \(candidate.path): run swift build first")
        }
        return candidate
    }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Runs a command with stdout and stderr to a file and waits for it with waitpid: Foundation's
/// Process leaves the short-lived tmux client unreaped here.
func spawnAndWait(_ arguments: [String], output: String) throws -> Int32 {
    try waitForExit(of: spawn(arguments, output: output))
}

/// Starts a command with stdout and stderr to a file; returns its pid.
func spawn(_ arguments: [String], output: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
    guard spawned == 0 else { throw E2EError("cannot run \(arguments[0]): error \(spawned)") }
    return pid
}

/// Waits for a child and returns its exit status (128 + signal when killed).
func waitForExit(of pid: pid_t) throws -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs the binary to completion (for CLI tests), with a bounded wait.
func runTokentop(
    _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: TimeInterval = 60
) async throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = try TmuxSession.binary()
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["TOKENTOP_CONFIG"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
    if let home = environment["HOME"] { process.currentDirectoryURL = URL(fileURLWithPath: home) }
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(timeout)
    async let stdoutData = Task.detached { out.fileHandleForReading.readDataToEndOfFile() }.value
    async let stderrData = Task.detached { err.fileHandleForReading.readDataToEndOfFile() }.value
    while process.isRunning {
        if Date() > deadline {
            process.terminate()
            throw E2EError("tokentop \(arguments.joined(separator: " ")) did not finish within \(Int(timeout))s")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    return (process.terminationStatus, String(decoding: await stdoutData, as: UTF8.self), String(decoding: await stderrData, as: UTF8.self))
}
