import Hummingbird
import ProtocolSupport
import TokenModel

/// What a web page in the user's browser could send to `serve` behind the user's back, refused
/// before any route sees it:
/// - On loopback, a `Host` that does not name loopback: a page whose name was rebound to
///   127.0.0.1 (DNS rebinding) sends its own name, and would otherwise read the listing.
/// - A CORS preflight (`OPTIONS`): `serve` is no API for other origins.
/// - An action (`POST`) from another origin, or without `Content-Type: application/json`: a page
///   can post a form cross-origin without asking, but not JSON, which needs the preflight.
struct RequestGuard<Context: RequestContext>: RouterMiddleware {
    /// Why a request is refused, with the status it gets.
    struct Refusal: Equatable {
        let status: HTTPResponse.Status
        let code: String
        let description: String
    }

    /// True when `serve` listens on a loopback address, where only loopback names are answered.
    let loopbackOnly: Bool

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let refusal = Self.refusal(
            method: request.method, host: request.head.authority, origin: request.headers[.origin],
            contentType: request.headers[.contentType], loopbackOnly: loopbackOnly)
        {
            return ExporterService.problem(refusal.status, refusal.code, refusal.description)
        }
        return try await next(request, context)
    }

    /// The rule, apart from the server, so that every case can be checked on its own.
    static func refusal(
        method: HTTPRequest.Method, host: String?, origin: String?, contentType: String?, loopbackOnly: Bool
    ) -> Refusal? {
        if loopbackOnly, !namesLoopback(host) {
            return Refusal(
                status: .misdirectedRequest, code: "misdirected_request",
                description: "this tokentop serve listens on loopback and answers only the Host 127.0.0.1, localhost or "
                    + "[::1] (with or without its port), not \(shown(host))")
        }
        if method == .options {
            return Refusal(
                status: .forbidden, code: "forbidden",
                description: "tokentop serve answers no cross-origin requests: CORS preflight refused")
        }
        guard method != .get, method != .head else { return nil }
        if let origin, origin.lowercased() != host.map({ "http://" + $0.lowercased() }) {
            return Refusal(
                status: .forbidden, code: "forbidden",
                description: "actions are refused from another origin: the request's Origin is \(shown(origin)), "
                    + "this serve is reached as \(shown(host.map { "http://" + $0 }))")
        }
        guard let contentType, mediaType(contentType) == "application/json" else {
            return Refusal(
                status: .unsupportedMediaType, code: "unsupported_media_type",
                description: "an action needs Content-Type: application/json (got \(shown(contentType)))")
        }
        return nil
    }

    /// `127.0.0.1`, `localhost`, `[::1]` and the rest of `Loopback`'s names, with an optional port.
    static func namesLoopback(_ host: String?) -> Bool {
        guard let host, !host.isEmpty else { return false }
        var name = Substring(host)
        if let colon = host.lastIndex(of: ":"), !host[colon...].contains("]") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber) else {
                return false
            }
            name = host[..<colon]
        }
        // An IPv6 literal is only valid in brackets; a bare `::1` here was cut at its last colon.
        if name.contains(":") && !(name.hasPrefix("[") && name.hasSuffix("]")) { return false }
        return Loopback.isLoopbackHost(String(name))
    }

    /// `application/json; charset=utf-8` → `application/json`.
    private static func mediaType(_ contentType: String) -> String {
        String(contentType.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
    }

    private static func shown(_ text: String?) -> String {
        guard let text else { return "none" }
        return "\"\(TerminalText.sanitize(String(text.prefix(100))))\""
    }
}
