import AsyncHTTPClient
import DemoServer
import Foundation
import Logging
import MetricsExporter
import OAuthClient
import ServerLimits
import ServiceLifecycle
import TokenConfig
import TokenLifecycle
import TokenModel

@testable import TokentopCommands

/// A running exporter in front of a real token manager over the demo's clients.
struct Serve {
    let baseURL: URL
    let manager: TokenManager

    func url(_ path: String) -> URL { baseURL.appending(path: path) }
}

/// Runs `body` with the demo started from `options`, a token manager over its clients and
/// the exporter on 127.0.0.1 (a free port), all in one ServiceGroup; stops everything after.
func withServe<T>(
    demo options: DemoServerOptions = DemoServerOptions(), authToken: String? = nil, allowActions: Bool = false,
    connectionLimits: ConnectionLimits = .boundedByOpenFileLimit(), _ body: (Serve, DemoEnvironment) async throws -> T
) async throws -> T {
    let demo = try await DemoEnvironment.start(options)
    do {
        let result = try await withServe(
            clients: demo.configuration().clients, authToken: authToken, allowActions: allowActions,
            connectionLimits: connectionLimits
        ) { serve in try await body(serve, demo) }
        await demo.shutdown()
        return result
    } catch {
        await demo.shutdown()
        throw error
    }
}

/// Runs `body` with a token manager over `clients` and the exporter on 127.0.0.1 (a free
/// port), in one ServiceGroup; stops both after.
func withServe<T>(
    clients: [ClientConfiguration], authToken: String? = nil, allowActions: Bool = false,
    connectionLimits: ConnectionLimits = .boundedByOpenFileLimit(), _ body: (Serve) async throws -> T
) async throws -> T {
    let logger = Logger(label: "tokentop.test", factory: { _ in SwiftLogNoOpLogHandler() })
    let transport = HTTPTransport()
    let manager = TokenManager(
        registrations: clients.map {
            TokenManager.Registration(
                configuration: $0, service: AuthorizationClient(configuration: $0, transport: transport, logger: logger))
        },
        logger: logger)
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let exporter = ExporterService(
        configuration: try ExporterConfiguration(
            listen: "127.0.0.1:0", authToken: authToken, allowActions: allowActions, connectionLimits: connectionLimits),
        metrics: TokenMetrics(clients: clients, version: "test"),
        updates: await manager.updates(), events: await manager.events(), perform: { await manager.perform($0) },
        logger: logger, onListening: { _, port in portSink.yield(port) })
    let group = ServiceGroup(services: [manager, exporter], logger: logger)
    let running = Task { try await group.run() }
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        await transport.shutdown()
    }
    do {
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("the exporter never listened") }
        let result = try await body(Serve(baseURL: URL(string: "http://127.0.0.1:\(port)")!, manager: manager))
        await stop()
        return result
    } catch {
        await stop()
        throw error
    }
}

/// An answer as a test looks at it.
struct Answer {
    let status: Int
    let headers: [String: String]
    let text: String

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
}

enum HTTP {
    static func get(_ url: URL, bearer: String? = nil) async throws -> Answer {
        do {
            return try await send(url, post: false, bearer: bearer)
        } catch {
            // A pooled connection serve closed as idle can fail the next GET with a reset (as
            // tokentop's own transport knows, trip-up 10 of issue 22): a GET is sent once more.
            return try await send(url, post: false, bearer: bearer)
        }
    }

    static func post(_ url: URL, bearer: String? = nil, json: String? = nil) async throws -> Answer {
        try await send(url, post: true, bearer: bearer, body: json)
    }

    private static func send(_ url: URL, post: Bool, bearer: String?, body: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString)
        if post { request.method = .POST }
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        // As an API client does: serve takes actions only as JSON.
        if post {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array((body ?? "{}").utf8))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 64 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: headers, text: String(buffer: collected))
    }
}

/// Polls `condition` every 100 ms until it holds, for at most `seconds`. The default bound is
/// long (45 s) because it bounds a wait on a loaded machine, not a figure a test checks: debug
/// `serve`s beside seven other tests have taken over 15 s to settle in CI. A test that checks
/// a time passes `within:` itself.
func eventually(
    _ what: String, within seconds: TimeInterval = 45, _ condition: () async throws -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestFailure("\(what): not seen within \(Int(seconds)) s")
}

/// Samples of the Prometheus text format, as a test reads them.
struct Exposition {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    let samples: [Sample]

    init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    /// The samples of `name` whose labels include all of `labels`.
    func values(_ name: String, _ labels: [String: String] = [:]) -> [Double] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.map(\.value)
    }
}

/// The port a `tokentop serve` process says it listens on, from its log.
func listeningPort(in log: URL) async throws -> Int {
    var port: Int?
    try await eventually("tokentop serve listening", within: 30) {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        port = text.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) }
        return port != nil
    }
    return port!
}

/// Runs `body` with the demo started from `options` and a fresh temporary folder for the
/// files a test writes; stops the demo and removes the folder however `body` ends.
func withDemoAndFolder(
    _ options: DemoServerOptions, _ body: (DemoEnvironment, URL) async throws -> Void
) async throws {
    let demo = try await DemoEnvironment.start(options)
    let directory = FileManager.default.temporaryDirectory.appending(path: "tokentop-test-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await body(demo, directory)
        await demo.shutdown()
    } catch {
        await demo.shutdown()
        throw error
    }
}
