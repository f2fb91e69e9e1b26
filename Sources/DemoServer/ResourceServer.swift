import Foundation
import Hummingbird
import Logging

/// The resource server: `GET /mod`, the classic "message of the day", for tokens carrying the
/// `custom_mod` scope.
///
/// Answers follow RFC 6750 §3: no bearer token at all gets 401 with a bare
/// `Bearer realm="tokentop-demo"` challenge (no error code, per §3.1); an empty one 400
/// `invalid_request`; an expired, revoked (introspect mode), unknown or badly signed one 401
/// `invalid_token`; a good token without `custom_mod` 403 `insufficient_scope`.
struct ResourceServer: Sendable {
    let validator: any AccessTokenValidator
    let faults: FaultSwitch
    let logger: Logger

    func router() -> Router<DemoRequestContext> {
        let router = Router(context: DemoRequestContext.self)
        router.add(middleware: LatencyMiddleware(faults: faults))
        router.only(.get, "mod") { request, _ in await mod(request) }
        return router
    }

    private func mod(_ request: Request) async -> Response {
        let current = faults.current
        if current.resourceDown {
            var headers = HTTPFields()
            headers[.retryAfter] = String(current.retryAfterSeconds)
            return DemoHTTP.text("injected fault: the resource server is down\n", status: .serviceUnavailable, headers: headers)
        }
        guard let header = request.headers[.authorization] else { return challenge(status: .unauthorized) }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.first?.lowercased() == "bearer" else { return challenge(status: .unauthorized) }
        let token = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        guard !token.isEmpty else {
            return challenge(status: .badRequest, error: "invalid_request", description: "the bearer token is empty")
        }
        switch await validator.validate(token) {
        case .active(let subject, let scopes):
            guard scopes.contains(DemoClientSpec.modScope) else {
                logger.debug("refused a token without the mod scope", metadata: ["sub": "\(subject)"])
                return challenge(
                    status: .forbidden, error: "insufficient_scope",
                    description: "the token lacks the \(DemoClientSpec.modScope) scope", scope: DemoClientSpec.modScope)
            }
            return DemoHTTP.text("The message of the day is boring for user: \(subject)")
        case .rejected(let reason):
            logger.debug("refused a token", metadata: ["reason": "\(reason)"])
            return challenge(status: .unauthorized, error: "invalid_token", description: reason)
        case .unavailable(let reason):
            logger.warning("could not validate a token", metadata: ["reason": "\(reason)"])
            var headers = HTTPFields()
            headers[.retryAfter] = "1"
            return DemoHTTP.text("\(reason)\n", status: .serviceUnavailable, headers: headers)
        }
    }

    /// A `WWW-Authenticate: Bearer` answer; the description is kept to the characters RFC 6750 §3 allows.
    private func challenge(
        status: HTTPResponse.Status, error: String? = nil, description: String? = nil, scope: String? = nil
    ) -> Response {
        var challenge = "Bearer realm=\"\(DemoHTTP.realm)\""
        if let error { challenge += ", error=\"\(error)\"" }
        if let description {
            let safe = String(description.unicodeScalars.filter { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }.map(Character.init))
            challenge += ", error_description=\"\(safe)\""
        }
        if let scope { challenge += ", scope=\"\(scope)\"" }
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = challenge
        return DemoHTTP.text((description ?? "a bearer token is required") + "\n", status: status, headers: headers)
    }
}
