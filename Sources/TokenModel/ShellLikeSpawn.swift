import Foundation

/// posix_spawn attributes that start a child as a shell would: every signal at its default and
/// none blocked. A Swift process ignores SIGPIPE, its signal handling ignores and blocks others,
/// and its threads block more; without these a child inherits all of it (one that ignores SIGINT
/// cannot be stopped with Ctrl-C, one that blocks SIGTERM outlives whoever stops it).
public enum ShellLikeSpawn {
    /// Runs `body` with the attributes, which live only for the call.
    public static func withAttributes<T>(_ body: (UnsafePointer<posix_spawnattr_t>) throws -> T) rethrows -> T {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        var none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        return try withUnsafePointer(to: &attributes) { try body($0) }
    }
}
