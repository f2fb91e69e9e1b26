import AsyncHTTPClient
import DemoServer
import Foundation
import NIOCore
import OAuthClient

/// The embedded demo server under a steady stream of client_credentials requests, each answer
/// read as tokentop reads it (`TokenResponseParser.parseSuccess`), over a pool of connections.
final class DemoLoad: Sendable {
    static let connections = 50
    static let clientName = "bench-client"

    let demo: DemoEnvironment
    let httpClient: HTTPClient
    private let tokenEndpoint: String
    private let authorization: String

    private init(demo: DemoEnvironment, httpClient: HTTPClient) throws {
        guard let client = demo.clients.first(where: { $0.name == Self.clientName }), let secret = client.secret else {
            throw BenchmarkSetupFailure("the demo server did not register \(Self.clientName)")
        }
        self.demo = demo
        self.httpClient = httpClient
        tokenEndpoint = demo.tokenEndpoint.absoluteString
        authorization =
            "Basic " + Data("\(Self.formEncode(client.clientID)):\(Self.formEncode(secret))".utf8).base64EncodedString()
    }

    /// Starts the demo servers on free loopback ports with one `client_secret_basic` client,
    /// and an HTTP client allowed `connections` concurrent connections to them.
    static func start() async throws -> DemoLoad {
        let options = DemoServerOptions(clients: [DemoClientSpec(name: clientName, scopes: [DemoClientSpec.modScope])])
        let demo = try await DemoEnvironment.start(options)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let load = try DemoLoad(demo: demo, httpClient: httpClient)
            // Open the pool's connections before anything is measured.
            try await load.issue(connections)
            return load
        } catch {
            try? await httpClient.shutdown()
            await demo.shutdown()
            throw error
        }
    }

    func stop() async {
        try? await httpClient.shutdown()
        await demo.shutdown()
    }

    /// Issues `count` token requests, `connections` at a time, and checks every answer is a token.
    func issue(_ count: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<min(count, Self.connections) {
                group.addTask {
                    for _ in stride(from: worker, to: count, by: Self.connections) {
                        try await self.requestToken()
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func requestToken() async throws {
        var request = HTTPClientRequest(url: tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Authorization", value: authorization)
        request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials&scope=custom_mod"))
        let response = try await httpClient.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 200 else {
            throw BenchmarkSetupFailure("token request answered HTTP \(response.status.code)")
        }
        let token = try TokenResponseParser.parseSuccess(Data(body.readableBytesView), issuedAt: Date(), endpoint: nil)
        guard token.decoded.format == .jwt else { throw BenchmarkSetupFailure("the demo server issued a non-JWT token") }
    }

    private static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
