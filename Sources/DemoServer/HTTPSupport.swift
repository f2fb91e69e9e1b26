import Foundation
import Hummingbird
import TokenModel

/// The request context of both demo servers: a 64 KiB body cap, and the peer's address so the
/// admin endpoints can insist on loopback.
struct DemoRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's IP address, when the channel knows it.
    let remoteIP: String?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteIP = source.channel.remoteAddress?.ipAddress
    }

    var maxUploadSize: Int { DemoLimits.maximumBodySize }
}

/// Limits on what the demo servers accept.
enum DemoLimits {
    /// Larger request bodies are answered with 413.
    static let maximumBodySize = 64 * 1024
}

/// An error answer of the token, introspection or revocation endpoint (RFC 6749 §5.2), or of
/// the admin endpoints, with a JSON body `{"error": ..., "error_description": ...}`.
struct OAuthProtocolError: Error {
    let status: HTTPResponse.Status
    let code: String
    let detail: String
    /// Set when the client tried HTTP Basic: RFC 6749 §5.2 then demands a matching challenge.
    var basicChallenge = false
    var retryAfterSeconds: Int?

    static func invalidRequest(_ detail: String) -> Self {
        .init(status: .badRequest, code: "invalid_request", detail: detail)
    }

    static func invalidClient(_ detail: String, usedBasic: Bool) -> Self {
        .init(status: .unauthorized, code: "invalid_client", detail: detail, basicChallenge: usedBasic)
    }

    static func invalidScope(_ detail: String) -> Self {
        .init(status: .badRequest, code: "invalid_scope", detail: detail)
    }

    static func unauthorizedClient(_ detail: String) -> Self {
        .init(status: .badRequest, code: "unauthorized_client", detail: detail)
    }

    static func unsupportedGrantType(_ detail: String) -> Self {
        .init(status: .badRequest, code: "unsupported_grant_type", detail: detail)
    }

    static func bodyTooLarge() -> Self {
        .init(
            status: .contentTooLarge, code: "invalid_request",
            detail: "the request body is larger than \(DemoLimits.maximumBodySize / 1024) KiB")
    }

    static func temporarilyUnavailable(retryAfter: Int) -> Self {
        .init(
            status: .serviceUnavailable, code: "temporarily_unavailable",
            detail: "injected fault: the token endpoint is unavailable", retryAfterSeconds: retryAfter)
    }

    static func serverError(_ detail: String) -> Self {
        .init(status: .internalServerError, code: "server_error", detail: detail)
    }

    /// The answer, with `Cache-Control: no-store` as RFC 6749 §5.1 asks of every token endpoint answer.
    var response: Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[.init("Pragma")!] = "no-cache"
        if basicChallenge {
            headers[.wwwAuthenticate] = "Basic realm=\"\(DemoHTTP.realm)\", charset=\"UTF-8\""
        }
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return DemoHTTP.json(["error": code, "error_description": detail], status: status, headers: headers)
    }
}

/// Small helpers for building answers.
enum DemoHTTP {
    /// The realm named in `WWW-Authenticate` challenges.
    static let realm = "tokentop-demo"

    /// A JSON answer. Keys are sorted so answers are stable.
    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A JSON answer from an `Encodable` value.
    static func json(encoding value: some Encodable, headers: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A plain-text answer.
    static func text(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The request's body, at most 64 KiB.
    static func collectBody(_ request: Request, context: DemoRequestContext) async throws(OAuthProtocolError) -> Data {
        do {
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw .bodyTooLarge()
        } catch {
            throw .invalidRequest("the request body could not be read")
        }
    }

    /// The parameters of a form-urlencoded request body, refusing other content types.
    static func formParameters(_ request: Request, context: DemoRequestContext) async throws(OAuthProtocolError) -> [String: String] {
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard mediaType == "application/x-www-form-urlencoded" else {
            // Read what was sent, so an oversized body still gets its 413 rather than a reset.
            _ = try await collectBody(request, context: context)
            throw .invalidRequest(
                contentType.isEmpty
                    ? "the request needs Content-Type: application/x-www-form-urlencoded"
                    : "Content-Type must be application/x-www-form-urlencoded")
        }
        let body = try await collectBody(request, context: context)
        do {
            return try FormEncoding.parameters(body)
        } catch {
            throw .invalidRequest(error.reason)
        }
    }
}
