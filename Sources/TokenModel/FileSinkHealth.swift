import Foundation
import Synchronization

/// How the files tokentop appends to (`--log-file`, `--events-file`) are faring. A full disk or a
/// broken file must not stop the token manager: a line that cannot be written is dropped and
/// counted, the first failure of a run is reported once, and the next line tries again.
public final class FileSinkHealth: Sendable {
    /// One file appended to, as it fares.
    public struct Sink: Sendable, Equatable {
        /// `log` or `events`: the `file` label of `tokentop_log_write_errors_total`.
        public let label: String
        /// The option and path, as an operator would type them: `--log-file /var/log/tokentop.log`.
        public let name: String
        /// Lines that could not be written, since the start.
        public var failedWrites = 0
        /// What the system said of the last write while writes fail; nil while they work.
        public var failure: String?
        /// When the current run of failures began.
        public var failingSince: Date?
    }

    private let sinks = Mutex<[Sink]>([])
    private let report: (@Sendable (String) -> Void)?

    /// - Parameter report: told once when a sink starts failing and once when it works again
    ///   (stderr for headless commands); nil to keep it all for `summary()` (the dashboard, which
    ///   owns the terminal while it runs).
    public init(report: (@Sendable (String) -> Void)?) {
        self.report = report
    }

    /// Adds a sink, so its counter exists (at 0) before anything fails.
    public func register(label: String, name: String) {
        sinks.withLock { sinks in
            if !sinks.contains(where: { $0.label == label }) { sinks.append(Sink(label: label, name: name)) }
        }
    }

    /// A line of `label`'s sink was lost: `reason` is what the system said.
    public func failed(_ label: String, reason: String, at now: Date = Date()) {
        let announcement: String? = sinks.withLock { sinks in
            guard let index = sinks.firstIndex(where: { $0.label == label }) else { return nil }
            sinks[index].failedWrites += 1
            let started = sinks[index].failure == nil
            sinks[index].failure = reason
            if started { sinks[index].failingSince = now }
            return started
                ? "\(sinks[index].name) cannot be written (\(reason)); lines are dropped and counted until it can, "
                    + "and each new line tries again"
                : nil
        }
        if let announcement { report?(announcement) }
    }

    /// A line of `label`'s sink was written; ends a run of failures.
    public func succeeded(_ label: String) {
        let announcement: String? = sinks.withLock { sinks in
            guard let index = sinks.firstIndex(where: { $0.label == label }), sinks[index].failure != nil else { return nil }
            sinks[index].failure = nil
            sinks[index].failingSince = nil
            return "\(sinks[index].name) is written again (\(sinks[index].failedWrites) lines lost so far)"
        }
        if let announcement { report?(announcement) }
    }

    /// Every registered sink, in the order registered.
    public func snapshot() -> [Sink] { sinks.withLock { $0 } }

    /// The sinks failing now, one line each, for `serve`'s `/healthz`.
    public func problems() -> [String] {
        snapshot().compactMap { sink in
            guard let failure = sink.failure else { return nil }
            let since = sink.failingSince.map { " since \(TimeText.iso8601($0))" } ?? ""
            return "\(sink.name) cannot be written\(since): \(failure) (\(sink.failedWrites) lines lost)"
        }
    }

    /// The sinks that lost lines during the run, one line each, for when the dashboard ends.
    public func summary() -> [String] {
        snapshot().compactMap { sink in
            guard sink.failedWrites > 0 else { return nil }
            let last = sink.failure.map { "; still failing: \($0)" } ?? "; it works again"
            return "\(sink.name): \(sink.failedWrites) lines could not be written\(last)"
        }
    }
}
