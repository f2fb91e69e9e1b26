import Foundation
import ServiceLifecycle
import TokenLifecycle
import TokenModel

/// `--events-file`: every manager event as a JSON line, appended to a file created 0600, until
/// the group shuts down. A line that cannot be written is dropped and counted (see `AppendingFile`).
struct EventsFile: Service {
    let file: AppendingFile
    let events: AsyncStream<ManagerEvent>

    /// Opens the file and follows the manager's events from now on, before the group starts the
    /// manager, so the first fetches are in the file too.
    init(path: String, manager: TokenManager, health: FileSinkHealth) async throws(CLIError) {
        file = try Self.open(path, health: health)
        events = await manager.events()
    }

    /// The file alone (or created, mode 0600), for `check`, which reads the events itself; a
    /// usage error names it when it cannot be opened.
    static func open(_ path: String, health: FileSinkHealth) throws(CLIError) -> AppendingFile {
        try AppendingFile(option: "--events-file", path: path, label: "events", health: health)
    }

    /// One event as the file holds it: a JSON object on a line.
    static func line(_ event: ManagerEvent) -> String {
        event.json.compactText + "\n"
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await event in events { file.append(Self.line(event)) }
        }
    }
}
