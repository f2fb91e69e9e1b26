import Foundation

/// The `tokentop` binary the tests run: `$TOKENTOP_BINARY`, else the one in SwiftPM's bin path
/// for the build these tests came from, so `swift test -c release` and `--scratch-path` test
/// the binary they built.
public enum BuiltBinary {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public static func tokentop() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["TOKENTOP_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let candidate = binPath().appendingPathComponent("tokentop")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw Missing(
                description:
                    "no tokentop binary at \(candidate.path): build it with the same -c and --scratch-path as the tests, or set TOKENTOP_BINARY"
            )
        }
        return candidate
    }

    /// The front (`tokentop-front`, installed as `bin/tokentop`) beside the binary the tests run.
    public static func front() throws -> URL {
        let candidate = try tokentop().deletingLastPathComponent().appendingPathComponent("tokentop-front")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw Missing(description: "no tokentop-front beside the tokentop binary at \(candidate.path): build both products")
        }
        return candidate
    }

    /// SwiftPM's bin path, as `swift build --show-bin-path` prints it for the configuration and
    /// scratch path of this build: the directory that holds the test executable itself. (Running
    /// `swift build --show-bin-path` from a test would wait on the lock `swift test` holds.)
    public static func binPath() -> URL {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
        let directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        // On macOS the tests run inside `NAME.xctest/Contents/MacOS`; the bin path holds the bundle.
        if let bundle = directory.pathComponents.lastIndex(where: { $0.hasSuffix(".xctest") }), bundle > 0 {
            return URL(fileURLWithPath: NSString.path(withComponents: Array(directory.pathComponents[..<bundle])))
        }
        return directory
    }
}
