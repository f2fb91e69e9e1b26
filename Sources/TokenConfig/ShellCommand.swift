import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `/bin/sh -c COMMAND` in a process group of its own, with stdin and stderr on
/// /dev/null, collecting standard output. When the deadline passes or the caller is cancelled,
/// the whole group is killed, so a hung `pass` or `gpg` cannot outlive the request.
enum ShellCommand {
    struct StartFailure: Error {
        let errno: Int32
    }

    enum Ending: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case cancelled
    }

    struct Outcome: Sendable {
        /// Standard output, at most `outputLimit` bytes.
        var output: Data
        var ending: Ending
    }

    /// More output than this is read and dropped: a secret is never this long.
    static let outputLimit = 1 << 20

    static func run(_ command: String, timeout: Duration) async throws -> Outcome {
        let (readEnd, writeEnd) = try makePipe()
        let pid: pid_t
        do {
            pid = try spawn(command, standardOutput: writeEnd)
        } catch {
            close(readEnd)
            close(writeEnd)
            throw error
        }
        close(writeEnd)
        let process = RunningProcess(pid: pid)
        let deadline = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { process.stop(because: .timedOut) }
        }
        defer { deadline.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Blocking reads and waits belong on a thread of their own, not the cooperative pool.
                Thread.detachNewThread {
                    let output = readAll(readEnd)
                    close(readEnd)
                    let status = process.waitForExit()
                    continuation.resume(returning: Outcome(output: output, ending: process.ending(status: status)))
                }
            }
        } onCancel: {
            process.stop(because: .cancelled)
        }
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { throw StartFailure(errno: errno) }
        // Close-on-exec, so other children spawned meanwhile do not hold the pipe open.
        _ = fcntl(descriptors[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(descriptors[1], F_SETFD, FD_CLOEXEC)
        return (descriptors[0], descriptors[1])
    }

    private static func spawn(_ command: String, standardOutput: Int32) throws -> pid_t {
        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, standardOutput, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Process group = the child's pid, so a timeout can kill everything the shell started.
        posix_spawnattr_setpgroup(&attributes, 0)
        // The parent may ignore SIGPIPE (servers do); the command should not inherit that.
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, arguments, environ)
        guard result == 0 else { throw StartFailure(errno: result) }
        return pid
    }

    private static func readAll(_ descriptor: Int32) -> Data {
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                if output.count < outputLimit { output.append(contentsOf: buffer[0..<count]) }
            } else if count == 0 || errno != EINTR {
                return output
            }
        }
    }
}

/// A started child: it can be stopped from any thread until it has been reaped, and never after,
/// so a kill can never reach a reused process id.
private final class RunningProcess: Sendable {
    private struct State {
        var reaped = false
        var stopReason: ShellCommand.Ending?
    }

    let pid: pid_t
    private let state = Mutex(State())

    init(pid: pid_t) {
        self.pid = pid
    }

    /// Kills the child's process group, once, unless it has already been reaped.
    func stop(because reason: ShellCommand.Ending) {
        state.withLock { state in
            guard !state.reaped, state.stopReason == nil else { return }
            state.stopReason = reason
            kill(-pid, SIGKILL)
        }
    }

    /// Blocks until the child exits, then reaps it and returns its wait status.
    func waitForExit() -> Int32 {
        var info = siginfo_t()
        // WNOWAIT leaves the child a zombie, so its pid stays ours until `reaped` is set.
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
        state.withLock { $0.reaped = true }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            // Someone else reaped it: report a failure rather than guess at success.
            guard errno == EINTR else { return 255 << 8 }
        }
        return status
    }

    func ending(status: Int32) -> ShellCommand.Ending {
        if let reason = state.withLock({ $0.stopReason }) { return reason }
        if status & 0x7f == 0 { return .exited((status >> 8) & 0xff) }
        return .signalled(status & 0x7f)
    }
}
