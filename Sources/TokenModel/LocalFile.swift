import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one way tokentop reads, appends to and writes local files.
///
/// Reading: only a regular file is read, and at most `maximumSize` of it. A FIFO would block the
/// reader forever, a device such as `/dev/zero` never ends, a directory has no contents: each is
/// refused at once, naming the path. Symbolic links are followed (Kubernetes mounts its secrets
/// through them).
///
/// Appending (`--log-file`, `--events-file`): never through a symbolic link, never to a FIFO or a
/// socket; a regular file is made 0600 whoever created it. A character device (`/dev/null`) is
/// written as it is.
public enum LocalFile {
    /// The most tokentop reads of one local file. Configuration files, keys, certificates, key sets
    /// and themes are kilobytes; network answers are capped at the same 1 MiB.
    public static let maximumSize = 1 << 20

    /// The whole of a regular file of at most `limit` bytes.
    public static func read(_ path: String, limit: Int = maximumSize) throws(LocalFileError) -> Data {
        // Looked at before opening: opening a device can have effects of its own (a tape rewinds).
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path, errno: errno) }
        try requireRegular(info, path: path, limit: limit)
        // O_NONBLOCK: a FIFO swapped in since stat() cannot block the open; fstat() then sees it.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path, errno: errno) }
        defer { close(descriptor) }
        guard fstat(descriptor, &info) == 0 else { throw .unreadable(path, errno: errno) }
        try requireRegular(info, path: path, limit: limit)
        return try read(descriptor: descriptor, limit: limit, path: path)
    }

    /// Checks, without reading it, that `read` would take the file: a regular file of at most
    /// `limit` bytes that this process may read. For a configuration naming files read later.
    public static func requireReadable(_ path: String, limit: Int = maximumSize) throws(LocalFileError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path, errno: errno) }
        try requireRegular(info, path: path, limit: limit)
        guard access(path, R_OK) == 0 else { throw .unreadable(path, errno: errno) }
    }

    /// The whole of a regular UTF-8 text file of at most `limit` bytes.
    public static func readText(_ path: String, limit: Int = maximumSize) throws(LocalFileError) -> String {
        guard let text = String(data: try read(path, limit: limit), encoding: .utf8) else { throw .notText(path) }
        return text
    }

    /// Everything an open descriptor (a file, a pipe, standard input) gives until its end, refused
    /// past `limit` bytes; `path` names it in errors.
    public static func read(descriptor: Int32, limit: Int = maximumSize, path: String) throws(LocalFileError) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path, errno: errno)
            }
            if count == 0 { return data }
            guard data.count + count <= limit else { throw .tooLarge(path, size: nil, limit: limit) }
            data.append(contentsOf: buffer[..<count])
        }
    }

    /// Who besides the owner may read the file: "others", "its group", or nil (nobody, or no such
    /// file). The one rule behind every "chmod 600 it" warning. Symbolic links are followed: a
    /// dotfile manager's link is always 0777, its target is what counts.
    public static func readers(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        if info.st_mode & mode_t(S_IROTH) != 0 { return "others" }
        if info.st_mode & mode_t(S_IRGRP) != 0 { return "its group" }
        return nil
    }

    /// Opens a file for appending, creating it 0600. A symbolic link, a FIFO, a socket, a directory
    /// and a read-only file are refused; an existing regular file is made 0600. Returns the descriptor.
    public static func openForAppending(_ path: String) throws(LocalFileError) -> Int32 {
        // O_NONBLOCK: opening a FIFO must not wait for a reader; the type is checked right after.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            var info = stat()
            if code == ELOOP || (lstat(path, &info) == 0 && info.st_mode & mode_t(S_IFMT) == mode_t(S_IFLNK)) {
                throw .symbolicLink(path)
            }
            if code == ENXIO || code == EISDIR, lstat(path, &info) == 0 { throw .notRegular(path, kind: kind(of: info)) }
            throw .unwritable(path, errno: code)
        }
        var info = stat()
        var failure: LocalFileError?
        if fstat(descriptor, &info) != 0 {
            failure = .unwritable(path, errno: errno)
        } else {
            switch info.st_mode & mode_t(S_IFMT) {
            case mode_t(S_IFREG):
                // Root opens a read-only file (`/proc/version`) for writing too; refused as for anyone else.
                if info.st_mode & mode_t(S_IWUSR) == 0 {
                    failure = .readOnly(path, mode: info.st_mode & 0o7777)
                } else if info.st_mode & 0o7777 != 0o600, fchmod(descriptor, 0o600) != 0 {
                    failure = .notPrivate(path, errno: errno)
                }
            case mode_t(S_IFCHR):
                // /dev/null, a terminal: written as they are, never chmod'ed.
                break
            default:
                failure = .notRegular(path, kind: kind(of: info))
            }
        }
        // Writes block as usual once the file is known to be one that does not wait for a reader.
        if failure == nil, fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK) != 0 {
            failure = .unwritable(path, errno: errno)
        }
        if let failure {
            close(descriptor)
            throw failure
        }
        return descriptor
    }

    /// Refuses an existing path that is not a regular file (a symbolic link, a device, a FIFO, a
    /// directory) before a file is written in its place; a path that does not exist yet passes.
    public static func requireReplaceable(_ path: String) throws(LocalFileError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw .unwritable(path, errno: errno)
        }
        switch info.st_mode & mode_t(S_IFMT) {
        case mode_t(S_IFREG): return
        case mode_t(S_IFLNK): throw .symbolicLink(path)
        default: throw .notRegular(path, kind: kind(of: info))
        }
    }

    /// Writes all of `bytes` to `descriptor` with write(2), going on after a short write or an
    /// interruption. On failure the error says what the system said and how much got out.
    public static func write(_ bytes: some Sequence<UInt8>, to descriptor: Int32) throws(WriteFailure) {
        let bytes = Array(bytes)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw WriteFailure(written: written, errno: errno)
            }
            written += count
        }
    }

    /// A write(2) that stopped: `written` bytes got out before the system said `reason`.
    public struct WriteFailure: Error, Sendable, CustomStringConvertible {
        public let written: Int
        public let errno: Int32

        public var reason: String { String(cString: strerror(errno)) }
        public var description: String { reason }
    }

    // The system calls, named apart from the methods above that share their names.
    private static func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.read(descriptor, buffer, count)
        #else
            Darwin.read(descriptor, buffer, count)
        #endif
    }

    private static func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.write(descriptor, buffer, count)
        #else
            Darwin.write(descriptor, buffer, count)
        #endif
    }

    private static func requireRegular(_ info: stat, path: String, limit: Int) throws(LocalFileError) {
        guard info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { throw .notRegular(path, kind: kind(of: info)) }
        guard info.st_size <= limit else { throw .tooLarge(path, size: Int(info.st_size), limit: limit) }
    }

    private static func kind(of info: stat) -> String {
        switch info.st_mode & mode_t(S_IFMT) {
        case mode_t(S_IFDIR): return "a directory"
        case mode_t(S_IFIFO): return "a FIFO"
        case mode_t(S_IFCHR): return "a character device"
        case mode_t(S_IFBLK): return "a block device"
        case mode_t(S_IFSOCK): return "a socket"
        case mode_t(S_IFLNK): return "a symbolic link"
        default: return "not a regular file"
        }
    }
}

/// A local file that could not be read or written, said with its path: `PATH: is a FIFO, not a
/// regular file`.
public struct LocalFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, as it was named.
    public let path: String
    /// What is wrong with it, without the path: `is a FIFO, not a regular file`.
    public let problem: String
    /// True when nothing exists at the path.
    public let isMissing: Bool

    private init(_ path: String, _ problem: String, isMissing: Bool = false) {
        self.path = TerminalText.sanitize(path)
        self.problem = problem
        self.isMissing = isMissing
    }

    static func unreadable(_ path: String, errno code: Int32) -> LocalFileError {
        code == ENOENT
            ? LocalFileError(path, "no such file", isMissing: true)
            : LocalFileError(path, "cannot be read: \(String(cString: strerror(code)))")
    }

    static func unwritable(_ path: String, errno code: Int32) -> LocalFileError {
        LocalFileError(path, "cannot be opened for writing: \(String(cString: strerror(code)))", isMissing: code == ENOENT)
    }

    static func notPrivate(_ path: String, errno code: Int32) -> LocalFileError {
        LocalFileError(path, "cannot be made private (mode 0600): \(String(cString: strerror(code)))")
    }

    static func readOnly(_ path: String, mode: mode_t) -> LocalFileError {
        LocalFileError(path, "is read-only (mode \(String(format: "%04o", mode))); tokentop does not make it writable")
    }

    static func notRegular(_ path: String, kind: String) -> LocalFileError {
        LocalFileError(path, kind == "not a regular file" ? "is not a regular file" : "is \(kind), not a regular file")
    }

    static func symbolicLink(_ path: String) -> LocalFileError {
        LocalFileError(path, "is a symbolic link; tokentop does not write through one: name the file it points to")
    }

    static func tooLarge(_ path: String, size: Int?, limit: Int) -> LocalFileError {
        let most = limit % (1 << 20) == 0 ? "\(limit >> 20) MiB" : "\(limit) bytes"
        return LocalFileError(
            path,
            size.map { "is \($0) bytes, more than the \(most) tokentop reads" } ?? "is longer than the \(most) tokentop reads")
    }

    static func notText(_ path: String) -> LocalFileError {
        LocalFileError(path, "is not UTF-8 text")
    }

    public var description: String { "\(path): \(problem)" }
}
