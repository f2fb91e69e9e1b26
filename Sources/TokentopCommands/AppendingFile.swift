import Foundation
import Synchronization
import TokenModel

/// A file tokentop appends lines to (`--log-file`, `--events-file`), opened by `LocalFile`'s
/// rules (no symbolic link, no FIFO, mode 0600). A write that fails (a full disk) never stops
/// the process: the line is dropped, `health` counts it and reports the first of a run, and the
/// next line tries again.
final class AppendingFile: Sendable {
    private let label: String
    private let descriptor: Int32
    private let health: FileSinkHealth
    /// True when a failed write left part of a line: the next line starts on a line of its own.
    private let brokenLine = Mutex(false)

    /// - Parameters:
    ///   - option: the option that named the file, for errors (`--events-file`).
    ///   - label: the sink's `file` label in `tokentop_log_write_errors_total` (`log`, `events`).
    init(option: String, path: String, label: String, health: FileSinkHealth) throws(CLIError) {
        do {
            descriptor = try LocalFile.openForAppending(path)
        } catch {
            throw CLIError.usage("\(option) \(error)")
        }
        self.label = label
        self.health = health
        health.register(label: label, name: "\(option) \(TerminalText.sanitize(path))")
    }

    deinit { close(descriptor) }

    /// Appends `line` (which ends with its newline).
    func append(_ line: String) {
        let failure = brokenLine.withLock { broken -> LocalFile.WriteFailure? in
            do throws(LocalFile.WriteFailure) {
                try LocalFile.write(((broken ? "\n" : "") + line).utf8, to: descriptor)
                broken = false
                return nil
            } catch {
                if error.written > 0 { broken = true }
                return error
            }
        }
        if let failure {
            health.failed(label, reason: failure.reason)
        } else {
            health.succeeded(label)
        }
    }
}
