import Foundation
import Synchronization
import Testing
import TokenModel
import TokenTesting

@testable import OAuthClient

#if canImport(Glibc)
    import Glibc
#endif

/// A server on 127.0.0.1, port 0, that answers the first request on each connection with
/// keep-alive and closes the connection, unanswered, when a second request comes on it: what a
/// server whose idle keep-alive timeout has just run out does to the next request.
final class ClosingKeepAliveServer: Sendable {
    final class Counter: Sendable {
        let value = Mutex(0)
    }

    let port: Int
    private let listener: Int32
    private let accepted = Counter()
    /// How many connections the server accepted.
    var connections: Int { accepted.value.withLock { $0 } }

    init() throws {
        // Close-on-exec, and shut down before closing: a process another test spawns meanwhile must
        // not keep a connection open that this server closed (the client would wait for its end).
        let (descriptor, port) = try LoopbackPort.listening(backlog: 8)
        listener = descriptor
        self.port = port
        let accepted = self.accepted
        // At most eight connections, each with at most two requests; every wait is bounded by poll.
        Thread.detachNewThread {
            for _ in 0..<8 {
                guard Self.wait(descriptor, milliseconds: 10_000) else { return }
                let connection = accept(descriptor, nil, nil)
                guard connection >= 0 else { return }
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                accepted.value.withLock { $0 += 1 }
                if Self.readRequest(connection) {
                    let answer =
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
                    _ = answer.withCString { write(connection, $0, strlen($0)) }
                    // The next request on this connection is never answered: the connection closes under it.
                    _ = Self.readRequest(connection)
                }
                shutdown(connection, Int32(SHUT_RDWR))
                close(connection)
            }
        }
    }

    /// Stops accepting: the accept loop's poll ends.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func wait(_ descriptor: Int32, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) == 1 && entry.revents & Int16(POLLIN) != 0
    }

    /// Reads one request head (a GET has no body); false at the end of the stream or after 10 s.
    private static func readRequest(_ connection: Int32) -> Bool {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 65_536 {
            guard wait(connection, milliseconds: 10_000) else { return false }
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return false }
            received += buffer[..<count]
            if String(decoding: received, as: UTF8.self).contains("\r\n\r\n") { return true }
        }
        return false
    }
}

@Suite("A pooled connection the server closed")
struct StaleConnectionTests {
    @Test("a GET sent on a kept-alive connection the server then closes is sent once more on a new one")
    func getRetriedOnNewConnection() async throws {
        let server = try ClosingKeepAliveServer()
        defer { server.stop() }
        let transport = HTTPTransport(environment: [:])
        let url = try #require(URL(string: "http://127.0.0.1:\(server.port)/mod"))
        let first = try await transport.send(OutgoingRequest(method: .get, url: url, timeout: .seconds(10)))
        #expect(first.status == 200)
        let second = try await transport.send(OutgoingRequest(method: .get, url: url, timeout: .seconds(10)))
        #expect(second.status == 200, "the second GET reached the server on a new connection")
        #expect(server.connections == 2)
        await transport.shutdown()
    }

    @Test("a POST is never sent twice: the closed connection is its failure")
    func postNotRetried() async throws {
        let server = try ClosingKeepAliveServer()
        defer { server.stop() }
        let transport = HTTPTransport(environment: [:])
        let url = try #require(URL(string: "http://127.0.0.1:\(server.port)/token"))
        _ = try await transport.send(OutgoingRequest(method: .get, url: url, timeout: .seconds(10)))
        await #expect(throws: OAuthError.self) {
            _ = try await transport.send(OutgoingRequest(method: .post, url: url, body: Data("a=b".utf8), timeout: .seconds(10)))
        }
        #expect(server.connections == 1)
        await transport.shutdown()
    }
}
