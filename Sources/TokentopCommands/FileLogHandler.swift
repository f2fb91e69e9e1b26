import Foundation
import Logging
import TokenModel

/// Appends log lines to a file. tokentop never logs to the terminal: the dashboard draws
/// there, and scripts read stdout.
struct FileLogHandler: LogHandler {
    /// One open file shared by every logger of the process.
    let sink: AppendingFile
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let extra =
            merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = TimeText.iso8601(Date())
        sink.append("\(time) \(event.level) \(label): \(event.message)\(extra)\n")
    }
}
