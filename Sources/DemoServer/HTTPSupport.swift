import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ProtocolSupport
import TokenModel

/// The request context of both demo servers: a 64 KiB body cap, JSON answers with sorted keys,
/// the peer's address so the admin endpoints can insist on loopback, and its connection, where a
/// mutual-TLS listener finds the client's certificate.
struct DemoRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's IP address, when the channel knows it.
    let remoteIP: String?
    /// The connection the request came on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteIP = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }

    /// The client's TLS identity on this connection, which came through `listener`.
    func identity(on listener: DemoListener) async -> ConnectionIdentity {
        await ConnectionIdentity.of(channel, listener: listener)
    }

    var maxUploadSize: Int { DemoLimits.maximumBodySize }
    var responseEncoder: DemoJSONEncoder { DemoJSONEncoder() }
}

/// Limits on what the demo servers accept.
enum DemoLimits {
    /// Larger request bodies are answered with 413.
    static let maximumBodySize = 64 * 1024
}

/// Encodes `ResponseEncodable` answers as `application/json` with sorted keys, so answers are stable.
struct DemoJSONEncoder: ResponseEncoder {
    func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try Self.data(value))))
    }

    /// A JSON answer for a value that is not `ResponseEncodable` itself (jwt-kit's `JWKS`).
    static func response(_ value: some Encodable, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try data(value))))
    }

    /// The JSON text of `value`.
    static func data(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

/// Headers every answer carrying a token or a credential check must have (RFC 6749 §5.1).
enum DemoHeaders {
    /// A DPoP proof (RFC 9449 §4.1).
    static let dpop = HTTPField.Name("DPoP")!
    /// The nonce a server wants in DPoP proofs (RFC 9449 §8).
    static let dpopNonce = HTTPField.Name("DPoP-Nonce")!

    static var noStore: HTTPFields {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[.init("Pragma")!] = "no-cache"
        return headers
    }
}

extension RouterMethods where Context == DemoRequestContext {
    /// Registers `handler` for `method` on `path`, and a 405 for the other methods.
    @discardableResult
    func only<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: RouterPath,
        use handler: @escaping @Sendable (Request, Context) async throws -> Output
    ) -> Self {
        on(path, method: method, use: handler)
        return refuseOtherMethods(path, allowed: [method])
    }

    /// Answers 405 with `Allow` (RFC 9110 §15.5.6) to the common methods not in `allowed`, rather
    /// than the router's 404. A GET route answers HEAD by itself.
    @discardableResult
    func refuseOtherMethods(_ path: RouterPath, allowed: [HTTPRequest.Method]) -> Self {
        let allowed = allowed.contains(.get) && !allowed.contains(.head) ? allowed + [.head] : allowed
        let common: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]
        for method in common where !allowed.contains(method) {
            on(path, method: method) { _, _ -> Response in throw OAuthProtocolError.methodNotAllowed(allowed: allowed) }
        }
        return self
    }
}

/// Request bodies, and plain-text answers.
enum DemoHTTP {
    /// The realm named in `WWW-Authenticate` challenges.
    static let realm = "tokentop-demo"

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
    static func formParameters(_ request: Request, context: DemoRequestContext) async throws(OAuthProtocolError) -> [String:
        String]
    {
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
