import Foundation
import ServiceLifecycle
import TokenManager
import TokenModel

/// `--events-file`: every manager event as a JSON line, appended to a file created 0600, until
/// the group shuts down.
struct EventLog: Service {
    let manager: TokenManager
    let handle: FileHandle

    /// Opens (or creates, mode 0600) the file for appending; a usage error names it when it cannot.
    init(path: String, manager: TokenManager) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CLIError.usage("cannot open --events-file \(path): \(String(cString: strerror(errno)))")
        }
        self.handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        self.manager = manager
    }

    func run() async throws {
        let events = await manager.events()
        await cancelWhenGracefulShutdown {
            for await event in events { write(event) }
        }
    }

    func write(_ event: ManagerEvent) {
        handle.write(Data((event.json.compactText + "\n").utf8))
    }
}
