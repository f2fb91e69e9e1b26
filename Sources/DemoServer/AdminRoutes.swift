import Foundation
import Hummingbird
import TokenModel

/// `GET`/`POST /admin/faults` and `POST /admin/rotate-keys` on the authorization server's port:
/// loopback peers only, with `Authorization: Bearer ADMIN_TOKEN`.
///
/// `POST /admin/faults` takes a JSON object; every field is optional and only the ones given
/// change: `latency_ms` (number), `token_error_rate` (0...1), `token_fault` (`unavailable` or
/// `server_error`), `retry_after` (seconds), `resource_down` (bool), `rotate_keys_every_seconds`
/// (number, or null to stop), `rotate_keys` (true rotates now). It answers the faults in force.
struct AdminRoutes: Sendable {
    let control: DemoControl
    let adminToken: String

    func add(to router: Router<DemoRequestContext>) {
        router.get("admin/faults") { request, context in
            if let refusal = refusal(request, context: context) { return refusal }
            return Self.describe(await control.current)
        }
        router.post("admin/faults") { request, context in
            if let refusal = refusal(request, context: context) { return refusal }
            do throws(OAuthProtocolError) {
                let body = try await DemoHTTP.collectBody(request, context: context)
                let change = try FaultChange(json: body)
                var faults = await control.current
                change.apply(to: &faults)
                await control.apply(faults)
                if change.rotateNow { _ = try? await control.rotateKeys() }
                return Self.describe(faults)
            } catch {
                return error.response
            }
        }
        router.post("admin/rotate-keys") { request, context in
            if let refusal = refusal(request, context: context) { return refusal }
            do {
                return DemoHTTP.json(["kid": try await control.rotateKeys()])
            } catch {
                return OAuthProtocolError.serverError("the signing key could not be rotated").response
            }
        }
    }

    /// Nil when the request may pass; otherwise the answer refusing it.
    private func refusal(_ request: Request, context: DemoRequestContext) -> Response? {
        guard let ip = context.remoteIP, Loopback.isLoopbackAddress(ip) else {
            return DemoHTTP.json(
                ["error": "forbidden", "error_description": "the admin endpoints answer loopback peers only"],
                status: .forbidden)
        }
        let presented = request.headers[.authorization].flatMap { header -> String? in
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        guard let presented, constantTimeEquals(presented, adminToken) else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer realm=\"\(DemoHTTP.realm)-admin\""
            return DemoHTTP.json(
                ["error": "invalid_token", "error_description": "the admin token printed at start is required"],
                status: .unauthorized, headers: headers)
        }
        return nil
    }

    static func describe(_ faults: DemoFaults) -> Response {
        var object: [String: Any] = [
            "latency_ms": Int(faults.latency.timeInterval * 1000),
            "token_error_rate": faults.tokenErrorRate,
            "token_fault": faults.tokenFaultKind.rawValue,
            "retry_after": faults.retryAfterSeconds,
            "resource_down": faults.resourceDown,
        ]
        object["rotate_keys_every_seconds"] = faults.rotateKeysEvery.map { $0.wholeSeconds } ?? NSNull()
        return DemoHTTP.json(object)
    }
}

/// A partial change of the faults, read from the admin endpoint's JSON body.
struct FaultChange {
    var latency: Duration?
    var tokenErrorRate: Double?
    var tokenFaultKind: TokenFaultKind?
    var retryAfterSeconds: Int?
    var resourceDown: Bool?
    /// `.some(nil)` stops periodic rotation.
    var rotateKeysEvery: Duration??
    var rotateNow = false

    init(json body: Data) throws(OAuthProtocolError) {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw .invalidRequest("the body must be a JSON object")
        }
        let known = Set(Fields.CodingKeys.allCases.map(\.rawValue))
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidRequest("unknown field \"\(unknown.prefix(40))\"; known: \(known.sorted().joined(separator: ", "))")
        }
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: body)
        } catch {
            throw .invalidRequest(
                "latency_ms, token_error_rate, retry_after and rotate_keys_every_seconds are numbers, "
                    + "resource_down and rotate_keys booleans, token_fault a string")
        }
        if let value = fields.latency_ms {
            guard value >= 0, value <= 60_000 else {
                throw .invalidRequest("latency_ms must be a number of milliseconds from 0 to 60000")
            }
            latency = .milliseconds(Int(value))
        }
        if let value = fields.token_error_rate {
            guard (0...1).contains(value) else { throw .invalidRequest("token_error_rate must be a number from 0 to 1") }
            tokenErrorRate = value
        }
        if let value = fields.token_fault {
            guard let kind = TokenFaultKind(rawValue: value) else {
                throw .invalidRequest("token_fault must be \"unavailable\" or \"server_error\"")
            }
            tokenFaultKind = kind
        }
        if let value = fields.retry_after {
            guard value >= 0, value <= 3600 else {
                throw .invalidRequest("retry_after must be a number of seconds from 0 to 3600")
            }
            retryAfterSeconds = Int(value)
        }
        resourceDown = fields.resource_down
        if object["rotate_keys_every_seconds"] is NSNull {
            rotateKeysEvery = .some(nil)
        } else if let value = fields.rotate_keys_every_seconds {
            guard value >= 1 else {
                throw .invalidRequest("rotate_keys_every_seconds must be a number of seconds (at least 1) or null")
            }
            rotateKeysEvery = .some(.seconds(value))
        }
        rotateNow = fields.rotate_keys ?? false
    }

    /// The body's shape; JSONDecoder keeps numbers and booleans apart.
    private struct Fields: Decodable {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case latency_ms, token_error_rate, token_fault, retry_after, resource_down
            case rotate_keys_every_seconds, rotate_keys
        }
        var latency_ms: Double?
        var token_error_rate: Double?
        var token_fault: String?
        var retry_after: Double?
        var resource_down: Bool?
        var rotate_keys_every_seconds: Double?
        var rotate_keys: Bool?
    }

    func apply(to faults: inout DemoFaults) {
        if let latency { faults.latency = latency }
        if let tokenErrorRate { faults.tokenErrorRate = tokenErrorRate }
        if let tokenFaultKind { faults.tokenFaultKind = tokenFaultKind }
        if let retryAfterSeconds { faults.retryAfterSeconds = retryAfterSeconds }
        if let resourceDown { faults.resourceDown = resourceDown }
        if let rotateKeysEvery { faults.rotateKeysEvery = rotateKeysEvery }
    }
}
