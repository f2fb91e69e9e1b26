import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain TCP connection to 127.0.0.1, so a test can send exactly the bytes it wants: half a
/// request head, a forged `Host`, a request a browser would not send.
public enum RawConnection {
    public enum Outcome: Equatable, Sendable {
        /// The server closed (or reset) the connection.
        case closedByServer
        /// The bound passed with the connection still open.
        case stillOpen
    }

    public struct SocketFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Connects, sends `bytes`, then reads (discarding any answer) until the server closes or
    /// `within` passes. Runs on its own thread: the reads block.
    public static func sendAndAwaitClose(port: Int, bytes: String, within bound: Duration) async throws -> Outcome {
        try await onThread { try exchange(port: port, bytes: bytes, within: bound).outcome }
    }

    /// Connects, sends `bytes` (a whole request, with `Connection: close`), and returns what the
    /// server answered before it closed, or before `within` passed.
    public static func answer(port: Int, bytes: String, within bound: Duration = .seconds(30)) async throws -> String {
        try await onThread { String(decoding: try exchange(port: port, bytes: bytes, within: bound).received, as: UTF8.self) }
    }

    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    private static func exchange(port: Int, bytes: String, within bound: Duration) throws -> (outcome: Outcome, received: [UInt8])
    {
        let fd = try connected(port: port)
        defer { close(fd) }
        if !bytes.isEmpty {
            let sent = Array(bytes.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard sent == bytes.utf8.count else { throw SocketFailure(description: "send() failed: errno \(errno)") }
        }
        // Each read waits at most a second, so the loop notices the bound.
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = ContinuousClock.now + bound
        var buffer = [UInt8](repeating: 0, count: 4096)
        var received: [UInt8] = []
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return (.closedByServer, received) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return (.closedByServer, received) // ECONNRESET
            }
            received += buffer[..<count]
        }
        return (.stillOpen, received)
    }

    /// A blocking socket connected to 127.0.0.1:`port`.
    static func connected(port: Int) throws -> Int32 {
        let fd = try loopbackSocket()
        var address = loopbackAddress(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw SocketFailure(description: "connect() failed: errno \(code)")
        }
        return fd
    }

    static func loopbackSocket() throws -> Int32 {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SocketFailure(description: "socket() failed: errno \(errno)") }
        return fd
    }

    static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
