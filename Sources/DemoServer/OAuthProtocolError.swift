import Foundation
import Hummingbird

/// An error answer of the token, introspection or revocation endpoint (RFC 6749 §5.2), or of
/// the admin endpoints: a JSON body `{"error": ..., "error_description": ...}` with
/// `Cache-Control: no-store`, and the challenge or `Retry-After` the error calls for. Thrown
/// from a handler, Hummingbird turns it into the answer.
struct OAuthProtocolError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let detail: String
    /// Headers the error calls for: `WWW-Authenticate`, `Retry-After`, `Allow`.
    var headers = HTTPFields()

    static func invalidRequest(_ detail: String) -> Self {
        .init(status: .badRequest, code: "invalid_request", detail: detail)
    }

    /// RFC 6749 §5.2: 401, with a `Basic` challenge when the client tried HTTP Basic.
    static func invalidClient(_ detail: String, usedBasic: Bool) -> Self {
        var error = Self(status: .unauthorized, code: "invalid_client", detail: detail)
        if usedBasic { error.headers[.wwwAuthenticate] = "Basic realm=\"\(DemoHTTP.realm)\", charset=\"UTF-8\"" }
        return error
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

    static func temporarilyUnavailable(_ detail: String, retryAfter: Int) -> Self {
        var error = Self(status: .serviceUnavailable, code: "temporarily_unavailable", detail: detail)
        error.headers[.retryAfter] = String(retryAfter)
        return error
    }

    /// 429 past the token endpoint's rate limit, in Okta's words; the budget headers say when
    /// it resets (and, as at Okta, no `Retry-After`).
    static func rateLimited(_ headers: HTTPFields) -> Self {
        var error = Self(
            status: .tooManyRequests, code: "rate_limit_exceeded",
            detail: "API call exceeded rate limit due to too many requests.")
        error.headers.append(contentsOf: headers)
        return error
    }

    static func serverError(_ detail: String) -> Self {
        .init(status: .internalServerError, code: "server_error", detail: detail)
    }

    /// RFC 9449 §5: the DPoP proof is missing or wrong.
    static func invalidDPoPProof(_ detail: String) -> Self {
        .init(status: .badRequest, code: "invalid_dpop_proof", detail: detail)
    }

    /// RFC 9449 §8: the proof must carry this nonce, given in `DPoP-Nonce`.
    static func useDPoPNonce(_ nonce: String, detail: String) -> Self {
        var error = Self(status: .badRequest, code: "use_dpop_nonce", detail: detail)
        error.headers[DemoHeaders.dpopNonce] = nonce
        return error
    }

    /// 405 with `Allow` (RFC 9110 §15.5.6).
    static func methodNotAllowed(allowed: [HTTPRequest.Method]) -> Self {
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        var error = Self(status: .methodNotAllowed, code: "invalid_request", detail: "this endpoint answers \(names) only")
        error.headers[.allow] = names
        return error
    }

    /// The admin endpoints refuse peers that are not on loopback.
    static func adminForbidden() -> Self {
        .init(status: .forbidden, code: "forbidden", detail: "the admin endpoints answer loopback peers only")
    }

    /// The admin endpoints need the admin token (RFC 6750 §3 challenge).
    static func adminTokenRequired() -> Self {
        var error = Self(
            status: .unauthorized, code: "invalid_token", detail: "the admin token printed at start is required")
        error.headers[.wwwAuthenticate] = "Bearer realm=\"\(DemoHTTP.realm)-admin\", error=\"invalid_token\""
        return error
    }

    /// The JSON body of RFC 6749 §5.2.
    struct Body: Codable, Equatable {
        let error: String
        let error_description: String
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The answer, with `Cache-Control: no-store` as RFC 6749 §5.1 asks of every token endpoint answer.
    var response: Response {
        var headers = DemoHeaders.noStore
        headers.append(contentsOf: self.headers)
        headers[.contentType] = "application/json"
        let data = (try? DemoJSONEncoder.data(Body(error: code, error_description: detail))) ?? Data("{}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
