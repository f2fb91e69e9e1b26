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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux", "-L", socket, "-f", "/dev/null"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw E2EError("tmux \(arguments.first ?? "") failed: \(text)")
        }
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
