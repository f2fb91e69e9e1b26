import Foundation
import Hummingbird
import Logging
import ProtocolSupport
import TokenModel

/// The resource server: `GET /mod`, the classic "message of the day", for tokens carrying the
/// `custom_mod` scope.
///
/// Answers follow RFC 6750 §3: no bearer token at all gets 401 with a bare
/// `Bearer realm="tokentop-demo"` challenge (no error code, per §3.1); an empty one 400
/// `invalid_request`; an expired, revoked (introspect mode), unknown or badly signed one 401
/// `invalid_token`; a good token without `custom_mod` 403 `insufficient_scope`. A DPoP-bound
/// token must come as `Authorization: DPoP` with a proof for this request whose key is the
/// token's `cnf.jkt` (RFC 9449 §7); refusals carry a `DPoP` challenge.
///
/// With TLS, `/mod` is served on a mutual-TLS listener too. A certificate-bound token
/// (`cnf.x5t#S256`) is accepted only there, from a client presenting that very certificate
/// (RFC 8705 §3); a client that presents a certificate must bring a sender-constrained token.
struct ResourceServer: Sendable {
    let validator: any AccessTokenValidator
    let faults: FaultSwitch
    let addresses: DemoAddressBook
    /// Checks the DPoP proofs that come with DPoP-bound tokens (RFC 9449 §7).
    let dpop: DPoPVerifier
    /// The nonce proofs must carry while the `dpopNonceRequired` fault is on.
    let dpopNonce: ServerDPoPNonce
    let logger: Logger

    /// The routes of the listener `listener`.
    func router(_ listener: DemoListener = .plain) -> Router<DemoRequestContext> {
        let router = Router(context: DemoRequestContext.self)
        router.add(middleware: LatencyMiddleware(faults: faults))
        router.only(.get, "mod") { request, context in await mod(request, identity: await context.identity(on: listener)) }
        return router
    }

    /// How the request presented its token.
    private enum Scheme { case bearer, dpop }

    private func mod(_ request: Request, identity: ConnectionIdentity) async -> Response {
        let current = faults.current
        if current.resourceDown {
            var headers = HTTPFields()
            headers[.retryAfter] = String(current.retryAfterSeconds)
            return DemoHTTP.text("injected fault: the resource server is down\n", status: .serviceUnavailable, headers: headers)
        }
        let authorization = request.headers[.authorization].flatMap(AuthorizationHeader.init)
        let scheme: Scheme
        switch authorization?.scheme {
        case "bearer": scheme = .bearer
        case "dpop": scheme = .dpop
        default: return challenge(status: .unauthorized)
        }
        let token = authorization?.credentials ?? ""
        guard !token.isEmpty else {
            return challenge(
                status: .badRequest, scheme: scheme, error: "invalid_request", description: "the access token is empty")
        }
        var proofKey: String?
        if scheme == .dpop {
            switch await checkProof(request, token: token, identity: identity) {
            case .success(let thumbprint): proofKey = thumbprint
            case .failure(let refusal): return refusal.response
            }
        }
        switch await validator.validate(token) {
        case .active(let subject, let scopes, let boundKey, let boundCertificate):
            if boundKey != nil, scheme == .bearer {
                return challenge(
                    status: .unauthorized, scheme: .dpop, error: "invalid_token",
                    description: "the token is DPoP-bound and must be presented with the DPoP scheme and a proof")
            }
            if scheme == .dpop, boundKey == nil || boundKey != proofKey {
                return challenge(
                    status: .unauthorized, scheme: .dpop, error: "invalid_token",
                    description: boundKey == nil
                        ? "the token is not DPoP-bound" : "the token is bound to another key than the DPoP proof's (cnf.jkt)")
            }
            if let refusal = certificateBindingRefusal(
                boundCertificate: boundCertificate, dpopBound: boundKey != nil, identity: identity)
            {
                return challenge(status: .unauthorized, scheme: scheme, error: "invalid_token", description: refusal)
            }
            guard scopes.contains(DemoClientSpec.modScope) else {
                logger.debug("refused a token without the mod scope", metadata: ["sub": "\(subject)"])
                return challenge(
                    status: .forbidden, scheme: scheme, error: "insufficient_scope",
                    description: "the token lacks the \(DemoClientSpec.modScope) scope", scope: DemoClientSpec.modScope)
            }
            return DemoHTTP.text("The message of the day is boring for user: \(subject)")
        case .rejected(let reason):
            logger.debug("refused a token", metadata: ["reason": "\(reason)"])
            return challenge(status: .unauthorized, scheme: scheme, error: "invalid_token", description: reason)
        case .unavailable(let reason):
            logger.warning("could not validate a token", metadata: ["reason": "\(reason)"])
            var headers = HTTPFields()
            headers[.retryAfter] = "1"
            return DemoHTTP.text("\(reason)\n", status: .serviceUnavailable, headers: headers)
        }
    }

    /// A refused DPoP proof, as its answer.
    private struct ProofRefusal: Error {
        let response: Response
    }

    /// Why a token bound (or not) to a certificate may not be used on this connection (RFC 8705 §3),
    /// or nil when it may.
    private func certificateBindingRefusal(boundCertificate: String?, dpopBound: Bool, identity: ConnectionIdentity) -> String? {
        switch (boundCertificate, identity) {
        case (nil, .plaintext), (nil, .mutualTLS(nil)):
            return nil
        case (nil, .mutualTLS(.some)):
            return dpopBound
                ? nil
                : "the request presented a TLS client certificate but the token is not bound to it (no cnf.x5t#S256): "
                    + "get the token over mutual TLS with that certificate"
        case (.some, .plaintext):
            return "the token is bound to a TLS client certificate (cnf.x5t#S256): call /mod on the mutual-TLS listener "
                + "and present that certificate"
        case (.some, .mutualTLS(nil)):
            return "the token is bound to a TLS client certificate (cnf.x5t#S256) and the request presented none"
        case (.some(let bound), .mutualTLS(let presented?)):
            return bound == presented.thumbprint
                ? nil : "the token is bound to another TLS client certificate than the one presented (cnf.x5t#S256)"
        }
    }

    /// The thumbprint of the key of the request's one DPoP proof for `GET /mod` with `token`.
    private func checkProof(_ request: Request, token: String, identity: ConnectionIdentity) async -> Result<String, ProofRefusal>
    {
        guard let endpoints = addresses.endpoints else {
            return .failure(ProofRefusal(response: DemoHTTP.text("the demo server is starting\n", status: .serviceUnavailable)))
        }
        let proofs = request.headers[values: DemoHeaders.dpop]
        guard proofs.count == 1 else {
            return .failure(
                ProofRefusal(
                    response: challenge(
                        status: .unauthorized, scheme: .dpop, error: "invalid_dpop_proof",
                        description: proofs.isEmpty ? "the DPoP proof header is missing" : "more than one DPoP proof header")))
        }
        let nonce = faults.current.dpopNonceRequired ? dpopNonce.value : nil
        do throws(DPoPProofError) {
            let url = identity == .plaintext ? endpoints.resourceURL : endpoints.reached(through: .mutualTLS).resourceURL
            return .success(try await dpop.verify(proofs[0], method: "GET", url: url, accessToken: token, nonce: nonce))
        } catch {
            var headers = HTTPFields()
            if error.code == .useNonce { headers[DemoHeaders.dpopNonce] = dpopNonce.value }
            return .failure(
                ProofRefusal(
                    response: challenge(
                        status: .unauthorized, scheme: .dpop, error: error.code.rawValue, description: error.detail,
                        headers: headers)))
        }
    }

    /// A `WWW-Authenticate` answer (RFC 6750 §3, RFC 9449 §7.1); the description is kept to the
    /// characters RFC 6750 §3 allows.
    private func challenge(
        status: HTTPResponse.Status, scheme: Scheme = .bearer, error: String? = nil, description: String? = nil,
        scope: String? = nil, headers extra: HTTPFields = [:]
    ) -> Response {
        var challenge =
            scheme == .dpop
            ? "DPoP realm=\"\(DemoHTTP.realm)\", algs=\"\(DPoPVerifier.algorithms.joined(separator: " "))\""
            : "Bearer realm=\"\(DemoHTTP.realm)\""
        if let error { challenge += ", error=\"\(error)\"" }
        if let description {
            let safe = String(
                description.unicodeScalars.filter { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }.map(
                    Character.init))
            challenge += ", error_description=\"\(safe)\""
        }
        if let scope { challenge += ", scope=\"\(scope)\"" }
        var headers = extra
        headers[.wwwAuthenticate] = challenge
        return DemoHTTP.text((description ?? "an access token is required") + "\n", status: status, headers: headers)
    }
}
