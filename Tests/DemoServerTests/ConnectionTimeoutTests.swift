import DemoServer
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Idle and half-sent connections are closed")
struct ConnectionTimeoutTests {
    /// Short enough to keep the test quick; the bound below is generous, so a slow machine passes.
    static let options = DemoServerOptions(connectionIdleTimeout: .milliseconds(300))

    @Test("a connection that sends half a request head is closed, on both servers")
    func halfSentHead() async throws {
        try await withDemo(Self.options) { demo in
            for base in [demo.endpoints.authorizationBase, demo.endpoints.resourceBase] {
                let outcome = try await RawConnection.sendAndAwaitClose(
                    port: base.port!, bytes: "GET /mod HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", within: .seconds(90))
                #expect(outcome == .closedByServer, "\(base)")
            }
        }
    }

    @Test("an idle keep-alive connection is closed after its answer")
    func idleKeepAlive() async throws {
        try await withDemo(Self.options) { demo in
            let port = demo.endpoints.authorizationBase.port!
            let request = "GET /oauth2/default/v1/keys HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            let outcome = try await RawConnection.sendAndAwaitClose(port: port, bytes: request, within: .seconds(90))
            #expect(outcome == .closedByServer)
        }
    }

    @Test("a connection that sends nothing at all is closed")
    func silentConnection() async throws {
        try await withDemo(Self.options) { demo in
            let outcome = try await RawConnection.sendAndAwaitClose(
                port: demo.endpoints.resourceBase.port!, bytes: "", within: .seconds(90))
            #expect(outcome == .closedByServer)
        }
    }
}

/// A plain TCP connection to loopback, so a test can send exactly the bytes it wants.
enum RawConnection {
    enum Outcome: Equatable {
        /// The server closed (or reset) the connection.
        case closedByServer
        /// The bound passed with the connection still open.
        case stillOpen
    }

    struct SocketFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Connects, sends `bytes`, then reads (discarding any answer) until the server closes or
    /// `within` passes. Runs on its own thread: the reads block.
    static func sendAndAwaitClose(port: Int, bytes: String, within bound: Duration) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try blockingSendAndAwaitClose(port: port, bytes: bytes, within: bound) })
            }
        }
    }

    private static func blockingSendAndAwaitClose(port: Int, bytes: String, within bound: Duration) throws -> Outcome {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SocketFailure(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw SocketFailure(description: "connect() failed: errno \(errno)") }
        if !bytes.isEmpty {
            let sent = Array(bytes.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard sent == bytes.utf8.count else { throw SocketFailure(description: "send() failed: errno \(errno)") }
        }
        // Each read waits at most a second, so the loop notices the bound.
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = ContinuousClock.now + bound
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return .closedByServer }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                return .closedByServer  // ECONNRESET
            }
        }
        return .stillOpen
    }
}
