import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// A real HTTP server on 127.0.0.1, port 0, whose answers a test writes as a closure. It
/// records every request it sees, so tests can check what tokentop sent.
final class ScriptedServer: Sendable {
    struct Seen: Sendable {
        var method: String
        var path: String
        /// Header values by lower-case name.
        var headers: [String: String]
        var body: String
    }

    struct Answer: Sendable {
        var status: HTTPResponse.Status = .ok
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        var body: String = ""
        /// Wait this long before answering (for timeout tests).
        var delay: Duration = .zero
        /// Send this many bytes of filler as the body (for the size cap).
        var fillerBytes: Int = 0
    }

    let port: Int
    /// True when the server speaks TLS (`start(tls:)`).
    let isTLS: Bool
    private let task: Task<Void, any Error>
    private let log: RequestLog

    /// Every request seen so far, oldest first.
    var requests: [Seen] { log.entries.withLock { $0 } }
    var baseURL: URL { URL(string: "\(isTLS ? "https" : "http")://127.0.0.1:\(port)")! }

    private init(port: Int, isTLS: Bool, task: Task<Void, any Error>, log: RequestLog) {
        self.isTLS = isTLS
        self.port = port
        self.task = task
        self.log = log
    }

    final class RequestLog: Sendable {
        let entries = Mutex<[Seen]>([])
    }

    /// Starts a server that answers every request with `answer(request)`; over TLS with `tls`
    /// (which may demand a client certificate).
    static func start(
        tls: TLSConfiguration? = nil, _ answer: @escaping @Sendable (Seen) -> Answer
    ) async throws -> ScriptedServer {
        let log = RequestLog()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let entry = Seen(
                method: request.method.rawValue, path: request.uri.string, headers: headers,
                body: String(buffer: body))
            log.entries.withLock { $0.append(entry) }
            let scripted = answer(entry)
            if scripted.delay > .zero { try await Task.sleep(for: scripted.delay) }
            var fields = HTTPFields()
            for (name, value) in scripted.headers {
                if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
            }
            let payload =
                scripted.fillerBytes > 0
                ? ByteBuffer(repeating: UInt8(ascii: "x"), count: scripted.fillerBytes) : ByteBuffer(string: scripted.body)
            return Response(status: scripted.status, headers: fields, body: .init(byteBuffer: payload))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: responder,
            server: try tls.map { try .tls(tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: "test-server", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw CancellationError()
        }
        return ScriptedServer(port: port, isTLS: tls != nil, task: task, log: log)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
