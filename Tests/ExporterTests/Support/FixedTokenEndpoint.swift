import Foundation
import Hummingbird
import Logging
import ServerLimits
import Synchronization

/// A token endpoint on 127.0.0.1 (a free port) that answers every `POST /token` with the same
/// JSON body, and counts the requests: for what a front end makes of an answer no real server
/// sends, and for whether refreshes go on.
struct FixedTokenEndpoint: Sendable {
    final class Count: Sendable {
        let value = Mutex(0)
    }

    let url: URL
    fileprivate let count: Count

    /// Token requests answered so far.
    var requests: Int { count.value.withLock { $0 } }
}

/// Runs `body` with a `FixedTokenEndpoint` answering `json`; stops it after. Its connections
/// are closed after `idleTimeout` idle, so a client opens a new one for a later request.
func withFixedTokenEndpoint<T>(
    answering json: String, idleTimeout: Duration = ConnectionLimits.defaultIdleTimeout,
    _ body: (FixedTokenEndpoint) async throws -> T
) async throws -> T {
    let count = FixedTokenEndpoint.Count()
    let router = Router()
    router.post("token") { _, _ in
        count.value.withLock { $0 += 1 }
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let application = Application(
        router: router, server: ConnectionLimits(idleTimeout: idleTimeout).http1(),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) },
        logger: Logger(label: "tokentop.test.token-endpoint", factory: { _ in SwiftLogNoOpLogHandler() }))
    let running = Task { try await application.run() }
    func stop() async {
        running.cancel()
        _ = await running.result
    }
    do {
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw TestFailure("the token endpoint never listened") }
        let result = try await body(FixedTokenEndpoint(url: URL(string: "http://127.0.0.1:\(port)/token")!, count: count))
        await stop()
        return result
    } catch {
        await stop()
        throw error
    }
}
