import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A desktop keyring of the test's own: a private D-Bus session bus with no service activation
/// (so nothing on it starts the machine's keyring) and gnome-keyring-daemon on it, unlocked with
/// a known password, its files in a temporary folder. Code under test reaches it through
/// `environment`; the test process's own variables are left alone. `stop()` ends both processes.
public final class PrivateKeyring {
    /// The folder of the bus socket and the keyring's files.
    public let folder: String
    /// The bus's address, for DBUS_SESSION_BUS_ADDRESS.
    public let busAddress: String
    private let bus: Process
    private let daemon: Process

    /// The programs a private keyring needs, each with the package that has it.
    public static let programs = [
        ("dbus-daemon", "dbus-daemon"), ("gnome-keyring-daemon", "gnome-keyring"), ("secret-tool", "libsecret-tools"),
    ]

    /// True when every program is on PATH: the keyring tests skip otherwise, saying which package to install.
    public static var isAvailable: Bool { programs.allSatisfy { executable($0.0) != nil } }

    /// The process environment with DBUS_SESSION_BUS_ADDRESS naming this keyring's bus.
    public var environment: [String: String] {
        var variables = ProcessInfo.processInfo.environment
        variables["DBUS_SESSION_BUS_ADDRESS"] = busAddress
        return variables
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private init(folder: String, busAddress: String, bus: Process, daemon: Process) {
        self.folder = folder
        self.busAddress = busAddress
        self.bus = bus
        self.daemon = daemon
    }

    /// Starts the bus, then the keyring, and waits until the keyring answers on the bus.
    public static func start() async throws -> PrivateKeyring {
        guard let busProgram = executable("dbus-daemon"), let keyringProgram = executable("gnome-keyring-daemon") else {
            throw Failure(description: "dbus-daemon or gnome-keyring-daemon is not installed")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-keyring-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let socket = folder + "/bus"
        // The standard session configuration's policy, without its service folders: those would
        // activate the machine's own keyring on first use.
        try """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig><type>session</type><listen>unix:path=\(socket)</listen><auth>EXTERNAL</auth>
        <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/>
        </policy></busconfig>
        """.write(toFile: folder + "/bus.conf", atomically: true, encoding: .utf8)
        let bus = Process()
        bus.executableURL = URL(fileURLWithPath: busProgram)
        bus.arguments = ["--config-file=" + folder + "/bus.conf", "--nofork", "--nopidfile"]
        bus.standardError = FileHandle.nullDevice
        try bus.run()
        let busAddress = "unix:path=" + socket
        let daemon = Process()
        do {
            try await waitUntil("the private D-Bus bus to listen") { FileManager.default.fileExists(atPath: socket) }
            daemon.executableURL = URL(fileURLWithPath: keyringProgram)
            daemon.arguments = ["--foreground", "--unlock", "--components=secrets"]
            daemon.environment = [
                "HOME": folder, "XDG_DATA_HOME": folder + "/data", "XDG_RUNTIME_DIR": folder,
                "XDG_CONFIG_HOME": folder + "/config",
                "DBUS_SESSION_BUS_ADDRESS": busAddress, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            ]
            // --unlock reads the new login keyring's password from standard input, to its end: a file
            // ends for sure, where a pipe's write end inherited by a child would keep it waiting.
            try "test".write(toFile: folder + "/password", atomically: true, encoding: .utf8)
            daemon.standardInput = FileHandle(forReadingAtPath: folder + "/password")
            daemon.standardOutput = FileHandle.nullDevice
            daemon.standardError = FileHandle.nullDevice
            try daemon.run()
            let keyring = PrivateKeyring(folder: folder, busAddress: busAddress, bus: bus, daemon: daemon)
            try await waitUntil("gnome-keyring-daemon to own org.freedesktop.secrets") { keyring.answers() }
            return keyring
        } catch {
            end([daemon, bus], folder: folder)
            throw error
        }
    }

    /// Ends the keyring and the bus, and removes their folder.
    public func stop() {
        Self.end([daemon, bus], folder: folder)
    }

    /// SIGKILL, not SIGTERM: gnome-keyring-daemon handles SIGTERM in its main loop, which never
    /// runs while it is stuck (a test that failed to start it must still end it).
    private static func end(_ processes: [Process], folder: String) {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// True when a lookup of nothing gets secret-tool's silent "not found" rather than an error
    /// (before the daemon owns its name the bus says no service provides it).
    private func answers() -> Bool {
        guard let tool = Self.executable("secret-tool") else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: tool)
        probe.arguments = ["lookup", "application", "tokentop-test-probe"]
        probe.environment = environment
        let errors = Pipe()
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = errors
        guard (try? probe.run()) != nil else { return false }
        let said = errors.fileHandleForReading.readDataToEndOfFile()
        probe.waitUntilExit()
        return probe.terminationStatus == 1 && said.isEmpty
    }

    private static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(15)
        while !condition() {
            guard Date() < deadline else { throw Failure(description: "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The program's path on PATH, or nil.
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
