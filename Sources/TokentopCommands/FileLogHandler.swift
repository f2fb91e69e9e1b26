import Foundation
import Logging
import Synchronization
import TokenModel

/// Appends log lines to a file. tokentop never logs to the terminal: the dashboard draws
/// there, and scripts read stdout.
struct FileLogHandler: LogHandler {
    /// One open file shared by every logger of the process.
    final class Sink: Sendable {
        private let handle: Mutex<FileHandle>

        init(path: String) throws {
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
                else { throw CLIError.usage("cannot create log file \(path)") }
            }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw CLIError.usage("cannot open log file \(path) for writing")
            }
            handle.seekToEndOfFile()
            self.handle = Mutex(handle)
        }

        func write(_ line: String) {
            handle.withLock { $0.write(Data(line.utf8)) }
        }
    }

    let label: String
    let sink: Sink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let extra = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = TimeText.iso8601(Date())
        sink.write("\(time) \(event.level) \(label): \(event.message)\(extra)\n")
    }
}
