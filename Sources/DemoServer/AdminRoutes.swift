import Foundation
import Hummingbird
import ProtocolSupport
import TokenModel

/// `GET`/`POST /admin/faults`, `POST /admin/rotate-keys` and `GET /admin/stats` on the authorization server's port:
/// loopback peers only, with `Authorization: Bearer ADMIN_TOKEN`.
///
/// `POST /admin/faults` takes a JSON object; every field is optional and only the ones given
/// change: `latency_ms` (number), `token_error_rate` (0...1), `token_fault` (`unavailable` or
/// `server_error`), `retry_after` (seconds), `resource_down` (bool), `rotate_keys_every_seconds`
/// (number, or null to stop), `breaking_rotation` (bool: rotations drop the old key at once),
/// `rotate_keys` (true rotates now), `clock_offset_seconds` (signed number: the authorization
/// server's clock error), `resource_expect_audience` and `resource_expect_issuer` (string, or null
/// for the demo's own), `dpop_nonce` (bool: DPoP proofs must carry the server's nonce). It
/// answers the faults in force. `GET /admin/stats` answers `{"token_requests": N}`: every request
/// the token endpoint has had.
struct AdminRoutes: Sendable {
    let control: DemoControl
    let ledger: TokenLedger
    let adminToken: String

    func add(to router: Router<DemoRequestContext>) {
        let admin = router.group("admin").add(middleware: AdminAccessMiddleware(adminToken: adminToken))
        admin.get("faults") { _, _ in FaultsDescription(await control.current) }
        admin.post("faults") { request, context throws(OAuthProtocolError) in
            let body = try await DemoHTTP.collectBody(request, context: context)
            let change = try FaultChange(json: body)
            var faults = await control.current
            change.apply(to: &faults)
            await control.apply(faults)
            if change.rotateNow { _ = try? await control.rotateKeys() }
            return FaultsDescription(faults)
        }
        admin.refuseOtherMethods("faults", allowed: [.get, .post])
        admin.only(.get, "stats") { _, _ in DemoStats(token_requests: await ledger.tokenRequests) }
        admin.only(.post, "rotate-keys") { _, _ throws(OAuthProtocolError) in
            do {
                return RotatedKey(kid: try await control.rotateKeys())
            } catch {
                throw .serverError("the signing key could not be rotated")
            }
        }
    }
}

/// Lets a request through to the admin endpoints only from a loopback peer presenting
/// `Authorization: Bearer ADMIN_TOKEN`.
struct AdminAccessMiddleware: RouterMiddleware {
    typealias Context = DemoRequestContext
    let adminToken: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        guard let ip = context.remoteIP, Loopback.isLoopbackAddress(ip) else {
            throw OAuthProtocolError.adminForbidden()
        }
        guard let presented = AuthorizationHeader.bearerToken(request.headers[.authorization]),
            ConstantTime.equals(presented: presented, expected: adminToken)
        else {
            throw OAuthProtocolError.adminTokenRequired()
        }
        return try await next(request, context)
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
    var breakingRotation: Bool?
    var clockOffset: Duration?
    /// `.some(nil)` puts back the demo's own audience or issuer.
    var resourceExpectedAudience: String??
    var resourceExpectedIssuer: String??
    var dpopNonceRequired: Bool?
    var rotateNow = false

    init(json body: Data) throws(OAuthProtocolError) {
        guard let object = JSONValue(data: body)?.objectValue else {
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
                "latency_ms, token_error_rate, retry_after, rotate_keys_every_seconds and clock_offset_seconds are numbers, "
                    + "resource_down, breaking_rotation, dpop_nonce and rotate_keys booleans, token_fault, resource_expect_audience "
                    + "and resource_expect_issuer strings")
        }
        if let value = fields.latency_ms {
            let longest = DemoFaults.Allowed.latency.upperBound.timeInterval * 1000
            guard value >= 0, value <= longest else {
                throw .invalidRequest("latency_ms must be a number of milliseconds from 0 to \(Int(longest))")
            }
            latency = .milliseconds(Int(value))
        }
        if let value = fields.token_error_rate {
            let allowed = DemoFaults.Allowed.tokenErrorRate
            guard allowed.contains(value) else {
                throw .invalidRequest(
                    "token_error_rate must be a number from \(Int(allowed.lowerBound)) to \(Int(allowed.upperBound))")
            }
            tokenErrorRate = value
        }
        if let value = fields.token_fault {
            guard let kind = TokenFaultKind(rawValue: value) else {
                throw .invalidRequest("token_fault must be \"unavailable\" or \"server_error\"")
            }
            tokenFaultKind = kind
        }
        if let value = fields.retry_after {
            let allowed = DemoFaults.Allowed.retryAfterSeconds
            guard value >= Double(allowed.lowerBound), value <= Double(allowed.upperBound) else {
                throw .invalidRequest(
                    "retry_after must be a number of seconds from \(allowed.lowerBound) to \(allowed.upperBound)")
            }
            retryAfterSeconds = Int(value)
        }
        resourceDown = fields.resource_down
        if object["rotate_keys_every_seconds"] == .null {
            rotateKeysEvery = .some(nil)
        } else if let value = fields.rotate_keys_every_seconds {
            guard let every = Duration(untrustedSeconds: value), DemoFaults.Allowed.rotateKeysEvery.contains(every) else {
                throw .invalidRequest("rotate_keys_every_seconds must be a number of seconds from 1 to 100 years, or null")
            }
            rotateKeysEvery = .some(every)
        }
        breakingRotation = fields.breaking_rotation
        if let value = fields.clock_offset_seconds {
            let largest = DemoFaults.largestClockOffset
            guard let magnitude = Duration(untrustedSeconds: abs(value), limit: largest) else {
                throw .invalidRequest("clock_offset_seconds must be a number of seconds within ±\(largest.wholeSeconds)")
            }
            clockOffset = value < 0 ? .zero - magnitude : magnitude
        }
        resourceExpectedAudience = try Self.optionalText(object, fields.resource_expect_audience, "resource_expect_audience")
        resourceExpectedIssuer = try Self.optionalText(object, fields.resource_expect_issuer, "resource_expect_issuer")
        dpopNonceRequired = fields.dpop_nonce
        rotateNow = fields.rotate_keys ?? false
    }

    /// A string field that may be null (`.some(nil)`) or absent (nil); a non-empty printable string otherwise.
    private static func optionalText(
        _ object: [String: JSONValue], _ value: String?, _ name: String
    ) throws(OAuthProtocolError) -> String?? {
        if object[name] == .null { return .some(nil) }
        guard let value else { return nil }
        guard !value.isEmpty, PrintableASCII.holds(value, atMost: 512) else {
            throw .invalidRequest("\(name) must be printable ASCII text of at most 512 characters, or null")
        }
        return .some(value)
    }

    /// The body's shape; JSONDecoder keeps numbers and booleans apart.
    private struct Fields: Decodable {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case latency_ms, token_error_rate, token_fault, retry_after, resource_down
            case rotate_keys_every_seconds, rotate_keys, breaking_rotation, clock_offset_seconds
            case resource_expect_audience, resource_expect_issuer, dpop_nonce
        }
        var latency_ms: Double?
        var token_error_rate: Double?
        var token_fault: String?
        var retry_after: Double?
        var resource_down: Bool?
        var rotate_keys_every_seconds: Double?
        var rotate_keys: Bool?
        var breaking_rotation: Bool?
        var clock_offset_seconds: Double?
        var resource_expect_audience: String?
        var resource_expect_issuer: String?
        var dpop_nonce: Bool?
    }

    func apply(to faults: inout DemoFaults) {
        if let latency { faults.latency = latency }
        if let tokenErrorRate { faults.tokenErrorRate = tokenErrorRate }
        if let tokenFaultKind { faults.tokenFaultKind = tokenFaultKind }
        if let retryAfterSeconds { faults.retryAfterSeconds = retryAfterSeconds }
        if let resourceDown { faults.resourceDown = resourceDown }
        if let rotateKeysEvery { faults.rotateKeysEvery = rotateKeysEvery }
        if let breakingRotation { faults.breakingRotation = breakingRotation }
        if let clockOffset { faults.clockOffset = clockOffset }
        if let resourceExpectedAudience { faults.resourceExpectedAudience = resourceExpectedAudience }
        if let resourceExpectedIssuer { faults.resourceExpectedIssuer = resourceExpectedIssuer }
        if let dpopNonceRequired { faults.dpopNonceRequired = dpopNonceRequired }
    }
}
