import Foundation

/// The full tokentop program, which the front hands every command it does not answer itself by
/// replacing its own process (the process id, signals, standard streams and exit status stay
/// those of the command the user ran).
///
/// Where it lives: `make install` puts it at `PREFIX/libexec/tokentop/tokentop` beside the
/// front's `PREFIX/bin/tokentop`; in a build tree it is the `tokentop` beside `tokentop-front`.
public enum FullProgram {
    /// The places looked at, in order, for a front at `front` (its resolved path).
    public static func candidates(front: String) -> [String] {
        let folder = (front as NSString).deletingLastPathComponent
        return [
            ((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent("libexec/tokentop/tokentop"),
            (folder as NSString).appendingPathComponent("tokentop"),
        ]
    }

    /// The first candidate that is an executable file and not the front itself (a copy of the
    /// front in the full program's place must not exec itself forever).
    public static func locate(front: String) -> String? {
        let own = realPath(front)
        return candidates(front: front).first { path in
            access(path, X_OK) == 0 && realPath(path).map { $0 != own } ?? false
        }
    }

    /// Set to the front's process id while it starts the full program, which removes it. A front
    /// that finds its own id there was started by itself (a copy of the front in the full
    /// program's place), and stops instead of running itself forever; exec keeps the id.
    public static let frontMarker = "TOKENTOP_FRONT_PID"

    /// Runs the full program with `arguments` (the front's own, its name first); returns only
    /// when that fails, with the message to print.
    public static func replaceProcess(arguments: [String]) -> String {
        let front = realPath("/proc/self/exe") ?? arguments.first ?? "tokentop"
        let ownID = String(getpid())
        guard let program = locate(front: front) else {
            return "tokentop: the full program is missing (looked at \(candidates(front: front).joined(separator: " and "))); "
                + "this tokentop is its front for cached tokens: install both (make install)"
        }
        guard ProcessInfo.processInfo.environment[frontMarker] != ownID else {
            return "tokentop: \(program) is another copy of this front, not the full program: install both (make install)"
        }
        setenv(frontMarker, ownID, 1)
        // A program started with no arguments at all still passes on a name.
        var argv: [UnsafeMutablePointer<CChar>?] = (arguments.isEmpty ? ["tokentop"] : arguments).map { strdup($0) }
        argv.append(nil)
        execv(program, argv)
        return "tokentop: cannot run \(program): \(String(cString: strerror(errno)))"
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
