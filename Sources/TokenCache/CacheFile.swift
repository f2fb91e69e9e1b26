import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The POSIX pieces the cache stands on: files read only when they are the user's own and
/// closed to others, written by atomic rename, and locked with flock, which the kernel
/// releases when the holder dies (a crashed helper never leaves a stale lock).
public enum CacheFile {
    /// The most a cache file may hold; anything larger is not a cache entry.
    public static let largestFile = 64 * 1024

    /// Why a file was not read.
    public enum Refusal: Sendable, Equatable, CustomStringConvertible {
        case notYours(owner: UInt32)
        case openToOthers(mode: UInt32)
        case notARegularFile
        case tooLarge
        case unreadable(errno: Int32)

        public var description: String {
            switch self {
            case .notYours(let owner): return "it belongs to user \(owner), not to you (\(geteuid()))"
            case .openToOthers(let mode): return "its mode is \(String(mode, radix: 8)), open to others; tokentop writes 600"
            case .notARegularFile: return "it is not a regular file"
            case .tooLarge: return "it is larger than \(largestFile / 1024) KiB"
            case .unreadable(let code): return "it cannot be read: \(String(cString: strerror(code)))"
            }
        }
    }

    /// What reading a file found.
    public enum ReadOutcome: Sendable, Equatable {
        case missing
        case contents(Data)
        case refused(Refusal)
    }

    /// Reads a file without following a symbolic link, only when it is a regular file of the
    /// effective user's with no permission for group or others.
    public static func readOwned(_ path: String) -> ReadOutcome {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            switch errno {
            case ENOENT: return .missing
            case ELOOP: return .refused(.notARegularFile)
            case let code: return .refused(.unreadable(errno: code))
            }
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .refused(.unreadable(errno: errno)) }
        if let refusal = refusal(status) { return .refused(refusal) }
        guard status.st_size <= largestFile else { return .refused(.tooLarge) }
        var data = Data(count: Int(status.st_size) + 1)
        var filled = 0
        // Read to the end (one more byte than the size said, to see a file that grew).
        while filled < data.count {
            let count = data.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return .refused(.unreadable(errno: errno)) }
            if count == 0 { break }
            filled += count
        }
        guard filled <= largestFile else { return .refused(.tooLarge) }
        return .contents(data.prefix(filled))
    }

    /// Why a file with this status may not be trusted; nil when it may.
    static func refusal(_ status: stat) -> Refusal? {
        guard (status.st_mode & S_IFMT) == S_IFREG else { return .notARegularFile }
        guard status.st_uid == geteuid() else { return .notYours(owner: status.st_uid) }
        guard status.st_mode & 0o077 == 0 else { return .openToOthers(mode: UInt32(status.st_mode & 0o777)) }
        return nil
    }

    /// Writes `data` to `path` so a reader sees the old file or the new one, never part of
    /// one: a temporary file beside it (mode `mode`, created exclusively), written, fsynced,
    /// then renamed over `path`, and the folder fsynced so the rename survives a crash.
    public static func writeAtomically(_ data: Data, to path: String, mode: mode_t = 0o600) throws(TokenCacheError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .io(temporary, "create", errno: errno) }
        var failure: TokenCacheError?
        // The umask may have narrowed the mode; it can only have removed bits, but say it exactly.
        if fchmod(descriptor, mode) != 0 { failure = .io(temporary, "set the mode of", errno: errno) }
        var written = 0
        while failure == nil, written < data.count {
            let count = data.withUnsafeBytes { buffer in write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { failure = .io(temporary, "write", errno: errno) } else { written += count }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = .io(temporary, "sync", errno: errno) }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = .io(path, "replace", errno: errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    /// Makes `path` a folder of the user's own, mode 0700, with its missing parents (0700 too,
    /// as the XDG Base Directory rule asks); refuses one that is a link, someone else's, or
    /// open to others.
    static func ensurePrivateFolder(_ path: String) throws(TokenCacheError) {
        var missing: [String] = []
        var probe = path
        var status = stat()
        while lstat(probe, &status) != 0, errno == ENOENT, probe != "/" {
            missing.append(probe)
            probe = URL(fileURLWithPath: probe).deletingLastPathComponent().path
        }
        for folder in missing.reversed() where mkdir(folder, 0o700) != 0 && errno != EEXIST {
            throw .io(folder, "create the folder", errno: errno)
        }
        guard lstat(path, &status) == 0 else { throw .io(path, "look at", errno: errno) }
        guard (status.st_mode & S_IFMT) == S_IFDIR else { throw .unsafeFolder(path, "it is not a folder (a link or a file)") }
        guard status.st_uid == geteuid() else {
            throw .unsafeFolder(path, "it belongs to user \(status.st_uid), not to you (\(geteuid()))")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw .unsafeFolder(path, "its mode is \(String(status.st_mode & 0o777, radix: 8)); run chmod 700 on it")
        }
    }
}

/// An exclusive flock on a lock file, held until `release()` or the process's end.
public final class CacheLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Takes the lock on `path` (created 0600 when missing), waiting for another holder up to
    /// `timeout`. Polls rather than blocks, so a wait is bounded and never pins a thread the
    /// concurrency pool needs.
    public static func acquire(_ path: String, timeout: Duration) async throws(TokenCacheError) -> CacheLock {
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io(path, "open the lock", errno: errno) }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var pause = Duration.milliseconds(1)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let code = errno
                close(descriptor)
                throw .io(path, "lock", errno: code)
            }
            guard clock.now < deadline else {
                close(descriptor)
                throw .lockTimeout(path, waited: timeout)
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(20))
        }
        return CacheLock(descriptor: descriptor)
    }

    /// Releases the lock (closing the file releases the flock).
    public func release() {
        close(descriptor)
    }
}
