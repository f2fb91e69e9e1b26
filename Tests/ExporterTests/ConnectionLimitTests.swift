import Foundation
import ServerLimits
import Subprocess
import Testing
import TokenTesting

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// `serve` closes connections that send nothing or half a request, and holds at most a bound of
/// them, so a client opening thousands cannot take the descriptors the token manager's own
/// requests need (it used to: token refreshes failed with `Too many open files`).
@Suite("serve's connection limits")
struct ConnectionLimitTests {
    static let halfHead = "GET /api/v1/clients HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "

    @Test("a connection that sends half a request head, one that sends nothing and an idle keep-alive one are closed")
    func idleConnectionsClosed() async throws {
        // Short enough to keep the test quick; the bound below is generous, so a slow machine passes.
        try await withServe(connectionLimits: ConnectionLimits(idleTimeout: .milliseconds(300))) { serve, _ in
            let port = serve.baseURL.port!
            for bytes in [Self.halfHead, "", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"] {
                let outcome = try await RawConnection.sendAndAwaitClose(port: port, bytes: bytes, within: .seconds(30))
                #expect(outcome == .closedByServer, "\(bytes.debugDescription)")
            }
        }
    }

    @Test("past its bound a connection waits for one of those held to close, and is answered then")
    func connectionsBounded() async throws {
        let limits = ConnectionLimits(idleTimeout: .seconds(60), maximumConnections: 4)
        try await withServe(connectionLimits: limits) { serve, _ in
            let port = serve.baseURL.port!
            let health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            // Twice the bound: connections accepted in one batch can pass it by a few (up to three).
            let held = try ConnectionFlood(port: port, count: 8, sending: Self.halfHead)
            #expect(held.connected == 8)
            // While they are held the next is not even accepted: it waits in the kernel's queue.
            let whileHeld = try await RawConnection.answer(port: port, bytes: health, within: .seconds(2))
            #expect(whileHeld.isEmpty, "answered past the bound: \(whileHeld)")
            held.close()
            let afterwards = try await RawConnection.answer(port: port, bytes: health, within: .seconds(30))
            #expect(afterwards.hasPrefix("HTTP/1.1 200"), "\(afterwards)")
        }
    }

    @Test("the bound is a quarter of the open-file limit, at least 8 and at most 512")
    func boundFromOpenFileLimit() {
        #expect(ConnectionLimits.connectionBound(openFileLimit: 256) == 64)
        #expect(ConnectionLimits.connectionBound(openFileLimit: 1024) == 256)
        #expect(ConnectionLimits.connectionBound(openFileLimit: 20_000) == 512)
        #expect(ConnectionLimits.connectionBound(openFileLimit: 16) == 8)
    }

    /// The reported attack, on the real binary with a small open-file limit: a flood of half-sent
    /// requests while the client's token is refreshed every second (`refresh_in: 1`).
    @Test("token refreshes go on while 2,000 connections each hold half a request open")
    func refreshesDuringFlood() async throws {
        let answer = #"{"access_token":"opaque-flood-token-0123456789","token_type":"Bearer","expires_in":300,"refresh_in":1}"#
        // The endpoint drops idle connections at once, so each refresh needs a new descriptor.
        try await withFixedTokenEndpoint(answering: answer, idleTimeout: .milliseconds(200)) { endpoint in
            let folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-flood-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let configuration = folder.appending(path: "tokentop.yaml")
            try """
            clients:
              flooded:
                token-uri: \(endpoint.url.absoluteString)
                client-id: flooded
                client-secret: flood-test-secret
            """.write(to: configuration, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configuration.path)
            let log = folder.appending(path: "serve.log")
            let serve = try await Subprocess.run(
                .path("/bin/sh"),
                arguments: [
                    "-c", #"ulimit -n 256 && exec "$0" "$@""#, try Binary.tokentop().path,
                    "serve", "--config", configuration.path, "--listen", "127.0.0.1:0",
                ],
                input: .none, output: try Output.file(log), error: .combinedWithOutput
            ) { execution in
                let port = try await listeningPort(in: log)
                try await eventually("refreshes before the flood", within: 30) { endpoint.requests >= 2 }
                let flood = try ConnectionFlood(port: port, count: 2_000, sending: Self.halfHead)
                defer { flood.close() }
                #expect(flood.connected > 64, "the flood connected only \(flood.connected)")
                let before = endpoint.requests
                // Well within serve's 10 s idle timeout: the flood holds every connection it got.
                try await eventually("refreshes during the flood", within: 8) { endpoint.requests >= before + 3 }
                flood.close()
                try execution.send(signal: .terminate)
            }
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(serve.terminationStatus == .exited(0), "\(text)")
            #expect(!text.contains("Too many open files"), "\(text)")
        }
    }
}
