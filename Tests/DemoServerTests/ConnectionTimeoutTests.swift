import DemoServer
import Foundation
import Testing
import TokenTesting

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
