import Foundation
import Hummingbird
import Logging

/// A token endpoint on 127.0.0.1 (a free port) that answers every `POST /token` with the same
/// JSON body: for what a front end makes of an answer no real server sends.
func withFixedTokenEndpoint<T>(answering json: String, _ body: (URL) async throws -> T) async throws -> T {
    let router = Router()
    router.post("token") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let application = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
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
        let result = try await body(URL(string: "http://127.0.0.1:\(port)/token")!)
        await stop()
        return result
    } catch {
        await stop()
        throw error
    }
}
