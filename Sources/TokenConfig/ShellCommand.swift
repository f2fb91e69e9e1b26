import Foundation
import Subprocess
import Synchronization

/// Runs `/bin/sh -c COMMAND` in a process group of its own, with stdin on /dev/null and stderr
/// discarded, collecting standard output.
///
/// Reading stops when the shell exits, even if a child it left in the background (or one that
/// left the group with `setsid`) still holds the pipe open: swift-subprocess ends the output
/// stream when the process it started terminates. When the deadline passes, the output grows
/// past `outputLimit` or the caller is cancelled, the whole group is killed, so a hung `pass` or
/// `gpg` cannot outlive the request.
enum ShellCommand {
    /// The shell could not be started; `errno` says why, when the system said.
    struct StartFailure: Error {
        let errno: Int32?
    }

    enum Ending: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case cancelled
        /// Printed more than `outputLimit` bytes; it was stopped there.
        case outputTooLarge
        /// Standard output could not be read.
        case unreadable
    }

    struct Outcome: Sendable {
        /// Standard output, at most `outputLimit` bytes.
        var output: Data
        var ending: Ending
    }

    /// More output than this is an error: a secret is never this long, and cutting it would
    /// send a wrong secret.
    static let outputLimit = 1 << 20

    static func run(_ command: String, timeout: Duration) async throws -> Outcome {
        var options = PlatformOptions()
        // Process group = the shell's pid, so a timeout can kill everything the shell started.
        options.processGroupID = 0
        let stop = StopReason()
        do {
            let result = try await Subprocess.run(
                .path("/bin/sh"), arguments: ["-c", command], platformOptions: options,
                input: .none, output: .sequence, error: .discarded
            ) { execution in
                try await collectOutput(of: execution, timeout: timeout, stop: stop)
            }
            if let reason = stop.reason { return Outcome(output: Data(), ending: reason) }
            switch result.terminationStatus {
            case .exited(let status): return Outcome(output: result.closureResult, ending: .exited(status))
            case .signaled(let signal): return Outcome(output: result.closureResult, ending: .signalled(signal))
            }
        } catch let error as SubprocessError {
            if let reason = stop.reason { return Outcome(output: Data(), ending: reason) }
            if Task.isCancelled { return Outcome(output: Data(), ending: .cancelled) }
            switch error.code {
            case .spawnFailed, .executableNotFound, .failedToChangeWorkingDirectory:
                throw StartFailure(errno: error.underlyingError?.rawValue)
            default:
                return Outcome(output: Data(), ending: .unreadable)
            }
        } catch {
            // Cancellation before the shell started surfaces as an error of the runtime's own.
            return Outcome(output: Data(), ending: Task.isCancelled ? .cancelled : .unreadable)
        }
    }

    /// Standard output until it ends (the shell exited, or was killed here), racing the deadline.
    private static func collectOutput(
        of execution: Execution<NoInput, SequenceOutput, DiscardedOutput>, timeout: Duration, stop: StopReason
    ) async throws -> Data {
        let killGroup: @Sendable () -> Void = { try? execution.send(signal: .kill, toProcessGroup: true) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Cancelled when the output ends first; only a deadline that passes kills.
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                stop.record(.timedOut, then: killGroup)
            }
            defer { group.cancelAll() }
            return try await withTaskCancellationHandler {
                var output = Data()
                for try await buffer in execution.standardOutput {
                    guard output.count + buffer.count <= outputLimit else {
                        stop.record(.outputTooLarge, then: killGroup)
                        return Data()
                    }
                    buffer.withUnsafeBytes { output.append(contentsOf: $0) }
                }
                return output
            } onCancel: {
                stop.record(.cancelled, then: killGroup)
            }
        }
    }
}

/// Why the command was stopped before it ended by itself: the first reason wins, and only the
/// first one kills (the group is killed while the shell is unreaped, so its id cannot be reused).
private final class StopReason: Sendable {
    private let stored = Mutex<ShellCommand.Ending?>(nil)

    var reason: ShellCommand.Ending? { stored.withLock { $0 } }

    func record(_ reason: ShellCommand.Ending, then stop: () -> Void) {
        let first = stored.withLock { stored in
            guard stored == nil else { return false }
            stored = reason
            return true
        }
        if first { stop() }
    }
}
