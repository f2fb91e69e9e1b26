import AsyncHTTPClient
import DemoServer
import Foundation
import TokenConfig
import TokenTesting

/// Runs `body` with demo servers started from `options`, and always stops them.
func withDemo<T>(
    _ options: DemoServerOptions = DemoServerOptions(), _ body: (DemoEnvironment) async throws -> T
) async throws -> T {
    let demo = try await DemoEnvironment.start(options)
    do {
        let result = try await body(demo)
        await demo.shutdown()
        return result
    } catch {
        await demo.shutdown()
        throw error
    }
}

/// An answer as a test looks at it.
struct Answer {
    let status: Int
    let headers: [String: String]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var error: String? { json["error"] as? String }

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Small HTTP helpers over AsyncHTTPClient.
enum HTTP {
    static func send(
        _ url: URL, post: Bool = false, method: String? = nil, headers: [(String, String)] = [], body: Data? = nil,
        client: HTTPClient = .shared, timeout: Duration = .seconds(30)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url.absoluteString)
        if post { request.method = .POST }
        if let method { request.method = .init(rawValue: method) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes([UInt8](body)) }
        let response = try await client.execute(request, timeout: .seconds(timeout.components.seconds))
        let collected = try await response.body.collect(upTo: 4 << 20)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: fields, body: Data(collected.readableBytesView))
    }

    static func get(
        _ url: URL, bearer: String? = nil, client: HTTPClient = .shared, timeout: Duration = .seconds(30)
    ) async throws -> Answer {
        try await send(url, headers: bearer.map { [("Authorization", "Bearer \($0)")] } ?? [], client: client, timeout: timeout)
    }

    /// A form POST; `basic` adds RFC 6749 §2.3.1 Basic credentials (both parts form-urlencoded).
    static func postForm(
        _ url: URL, _ parameters: [(String, String)], basic: (id: String, secret: String)? = nil,
        headers: [(String, String)] = [], client: HTTPClient = .shared
    ) async throws -> Answer {
        var allHeaders = [("Content-Type", "application/x-www-form-urlencoded")] + headers
        if let basic { allHeaders.append(("Authorization", basicHeader(id: basic.id, secret: basic.secret))) }
        let body = parameters.map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&")
        return try await send(url, post: true, headers: allHeaders, body: Data(body.utf8), client: client)
    }

    static func basicHeader(id: String, secret: String) -> String {
        "Basic " + Data("\(formEncode(id)):\(formEncode(secret))".utf8).base64EncodedString()
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension DemoEnvironment {
    func client(_ name: String) -> DemoClient { clients.first { $0.name == name }! }

    /// A token for a secret-based demo client, by its registered method.
    func token(for name: String, scope: String? = nil) async throws -> String {
        let client = client(name)
        var parameters = [("grant_type", "client_credentials")]
        if let scope { parameters.append(("scope", scope)) }
        let answer: Answer
        if client.method == .clientSecretPost {
            parameters += [("client_id", client.clientID), ("client_secret", client.secret!)]
            answer = try await HTTP.postForm(tokenEndpoint, parameters)
        } else {
            answer = try await HTTP.postForm(tokenEndpoint, parameters, basic: (client.clientID, client.secret!))
        }
        guard answer.status == 200, let token = answer.json["access_token"] as? String else {
            throw TestFailure("token request for \(name) answered \(answer.status): \(answer.text)")
        }
        return token
    }

    func introspect(_ token: String) async throws -> Answer {
        try await HTTP.postForm(
            introspectionEndpoint, [("token", token)],
            basic: (resourceServerClient.clientID, resourceServerClient.secret!))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The header and claims of a JWT, decoded without verifying.
func jwtParts(_ token: String) -> (header: [String: Any], claims: [String: Any]) {
    let segments = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    func decode(_ segment: String) -> [String: Any] {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
    guard segments.count == 3 else { return ([:], [:]) }
    return (decode(segments[0]), decode(segments[1]))
}
