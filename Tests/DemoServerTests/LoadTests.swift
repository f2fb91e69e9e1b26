import AsyncHTTPClient
import DemoServer
import Foundation
import Testing

@Suite("Load")
struct LoadTests {
    @Test("2,000 token requests over 50 concurrent connections all succeed", .timeLimit(.minutes(3)))
    func twoThousandTokens() async throws {
        let requests = 2_000
        let connections = 50
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await withDemo { demo in
                let client = demo.client("mod-client")
                let credentials = (client.clientID, client.secret!)
                let started = ContinuousClock.now
                let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                    for worker in 0..<connections {
                        group.addTask {
                            var failed = 0
                            for _ in stride(from: worker, to: requests, by: connections) {
                                let answer = try await HTTP.postForm(
                                    demo.tokenEndpoint, [("grant_type", "client_credentials"), ("scope", "custom_mod")],
                                    basic: credentials, client: httpClient)
                                if answer.status != 200 || !(answer.json["access_token"] is String) { failed += 1 }
                            }
                            return failed
                        }
                    }
                    return try await group.reduce(0, +)
                }
                let elapsed = ContinuousClock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                print(
                    "load: \(requests) tokens over \(connections) connections in \(String(format: "%.2f", seconds)) s = \(Int(Double(requests) / seconds)) tokens/s"
                )
                #expect(failures == 0)
            }
        } catch {
            try await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}
