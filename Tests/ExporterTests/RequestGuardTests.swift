import Foundation
import Hummingbird
import Testing
import TokenTesting

@testable import MetricsExporter

/// What a web page could send to `serve` behind the user's back: a rebound name (DNS rebinding),
/// a cross-origin form post, a CORS preflight. Sent byte for byte, as a browser would.
@Suite("serve refuses cross-site requests")
struct RequestGuardTests {
    /// The status and text of a whole answer.
    private func exchange(_ port: Int, _ method: String, _ path: String, headers: [String]) async throws -> (
        status: Int, text: String
    ) {
        let head = (["\(method) \(path) HTTP/1.1"] + headers + ["Connection: close"]).joined(separator: "\r\n")
        let body = method == "POST" ? "{}" : ""
        let request = head + (method == "POST" ? "\r\nContent-Length: \(body.utf8.count)" : "") + "\r\n\r\n" + body
        let answer = try await RawConnection.answer(port: port, bytes: request)
        let status = answer.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, answer)
    }

    @Test("on loopback, a Host that does not name loopback gets 421 on every path; loopback names get their answer")
    func hostNamesLoopback() async throws {
        try await withServe { serve, _ in
            let port = serve.baseURL.port!
            for host in [
                "evil.example", "evil.example:\(port)", "127.0.0.1.evil.example:\(port)", "localhost.evil.example", "::1",
            ] {
                for path in ["/api/v1/clients", "/metrics", "/healthz"] {
                    let answer = try await exchange(port, "GET", path, headers: ["Host: \(host)"])
                    #expect(answer.status == 421, "Host \(host) \(path): \(answer.text)")
                    #expect(answer.text.contains("answers only the Host 127.0.0.1, localhost or [::1]"), "\(answer.text)")
                    #expect(!answer.text.contains("mod-client"))
                }
            }
            let missing = try await RawConnection.answer(
                port: port, bytes: "GET /api/v1/clients HTTP/1.0\r\nConnection: close\r\n\r\n")
            #expect(missing.hasPrefix("HTTP/1.0 421") || missing.hasPrefix("HTTP/1.1 421"), "\(missing)")
            for host in ["127.0.0.1:\(port)", "127.0.0.1", "localhost:\(port)", "LOCALHOST", "[::1]:\(port)", "[::1]"] {
                let answer = try await exchange(port, "GET", "/api/v1/clients", headers: ["Host: \(host)"])
                #expect(answer.status == 200, "Host \(host): \(answer.text)")
            }
        }
    }

    @Test("an action needs Content-Type: application/json; a form or text post gets 415")
    func actionsNeedJSON() async throws {
        try await withServe(allowActions: true) { serve, _ in
            let port = serve.baseURL.port!
            let host = "Host: 127.0.0.1:\(port)"
            for contentType in ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", nil] {
                let answer = try await exchange(
                    port, "POST", "/api/v1/clients/mod-client/revoke",
                    headers: [host] + (contentType.map { ["Content-Type: \($0)"] } ?? []))
                #expect(answer.status == 415, "\(contentType ?? "no Content-Type"): \(answer.text)")
                #expect(answer.text.contains("an action needs Content-Type: application/json"))
            }
            #expect(await serve.manager.snapshot().clients.first { $0.name == "mod-client" }?.revoked == false)
            let json = try await exchange(
                port, "POST", "/api/v1/clients/mod-client/refresh",
                headers: [host, "Content-Type: application/json; charset=utf-8"])
            #expect(json.status == 200, "\(json.text)")
        }
    }

    @Test("an action whose Origin is another origin gets 403; its own origin is taken")
    func actionsFromAnotherOrigin() async throws {
        try await withServe(allowActions: true) { serve, _ in
            let port = serve.baseURL.port!
            let json = "Content-Type: application/json"
            for origin in ["http://evil.example", "null", "http://localhost:\(port)", "https://127.0.0.1:\(port)"] {
                let answer = try await exchange(
                    port, "POST", "/api/v1/clients/mod-client/revoke",
                    headers: ["Host: 127.0.0.1:\(port)", json, "Origin: \(origin)"])
                #expect(answer.status == 403, "Origin \(origin): \(answer.text)")
                #expect(answer.text.contains("actions are refused from another origin"))
            }
            #expect(await serve.manager.snapshot().clients.first { $0.name == "mod-client" }?.revoked == false)
            let sameOrigin = try await exchange(
                port, "POST", "/api/v1/clients/mod-client/refresh",
                headers: ["Host: 127.0.0.1:\(port)", json, "Origin: http://127.0.0.1:\(port)"])
            #expect(sameOrigin.status == 200, "\(sameOrigin.text)")
        }
    }

    @Test("a CORS preflight gets 403 and no Access-Control-Allow header")
    func preflightRefused() async throws {
        try await withServe(allowActions: true) { serve, _ in
            let port = serve.baseURL.port!
            let answer = try await exchange(
                port, "OPTIONS", "/api/v1/clients/mod-client/revoke",
                headers: [
                    "Host: 127.0.0.1:\(port)", "Origin: http://evil.example", "Access-Control-Request-Method: POST",
                    "Access-Control-Request-Headers: content-type",
                ])
            #expect(answer.status == 403, "\(answer.text)")
            #expect(!answer.text.lowercased().contains("access-control-allow"))
        }
    }

    @Test("off loopback any Host is answered (the bearer token guards it), and actions keep the Origin and JSON rules")
    func offLoopback() {
        typealias Guard = RequestGuard<BasicRequestContext>
        #expect(
            Guard.refusal(method: .get, host: "tokentop.internal:9464", origin: nil, contentType: nil, loopbackOnly: false) == nil
        )
        #expect(
            Guard.refusal(method: .get, host: "tokentop.internal:9464", origin: nil, contentType: nil, loopbackOnly: true)?.status
                == .misdirectedRequest)
        #expect(
            Guard.refusal(
                method: .post, host: "tokentop.internal:9464", origin: "http://evil.example", contentType: "application/json",
                loopbackOnly: false)?.status == .forbidden)
        #expect(
            Guard.refusal(
                method: .post, host: "tokentop.internal:9464", origin: nil, contentType: "text/plain", loopbackOnly: false)?
                .status
                == .unsupportedMediaType)
        #expect(
            Guard.refusal(
                method: .post, host: "tokentop.internal:9464", origin: "HTTP://TokenTop.internal:9464",
                contentType: "Application/JSON",
                loopbackOnly: false) == nil)
    }
}
