import Foundation
import Hummingbird

// The JSON answers of the demo authorization server, encoded by `DemoJSONEncoder`. Field names
// are the wire names of the RFCs that define them.

/// A successful token answer (RFC 6749 §5.1).
struct TokenResponse: ResponseEncodable, Equatable {
    let access_token: String
    let token_type: String
    let expires_in: Int
    let scope: String
}

/// An introspection answer (RFC 7662 §2.2): only `active` when the token is not active.
struct IntrospectionResponse: ResponseEncodable, Decodable, Equatable {
    let active: Bool
    var scope: String?
    var client_id: String?
    var sub: String?
    var exp: Int?
    var iat: Int?
    var nbf: Int?
    var iss: String?
    var aud: String?
    var token_type: String?
    var jti: String?
    var cnf: AccessTokenClaims.Confirmation?

    static let inactive = IntrospectionResponse(active: false)

    init(active: Bool) { self.active = active }

    /// The answer for an active token with these claims.
    init(claims: AccessTokenClaims) {
        active = true
        scope = claims.scope
        client_id = claims.client_id
        sub = claims.sub
        exp = claims.exp
        iat = claims.iat
        nbf = claims.nbf
        iss = claims.iss
        aud = claims.aud
        // A certificate-bound token is still a Bearer token (RFC 8705 §3); only DPoP changes the type.
        token_type = claims.cnf?.jkt == nil ? "Bearer" : "DPoP"
        jti = claims.jti
        cnf = claims.cnf
    }
}

/// Authorization server metadata (RFC 8414 §2).
struct AuthorizationServerMetadataDocument: ResponseEncodable, Equatable {
    let issuer: String
    let token_endpoint: String
    let jwks_uri: String
    let introspection_endpoint: String
    let revocation_endpoint: String
    let grant_types_supported: [String]
    let response_types_supported: [String]
    let scopes_supported: [String]
    let token_endpoint_auth_methods_supported: [String]
    let token_endpoint_auth_signing_alg_values_supported: [String]
    let introspection_endpoint_auth_methods_supported: [String]
    let introspection_endpoint_auth_signing_alg_values_supported: [String]
    let revocation_endpoint_auth_methods_supported: [String]
    let revocation_endpoint_auth_signing_alg_values_supported: [String]
    let dpop_signing_alg_values_supported: [String]
    /// RFC 8705 §3.3; left out without TLS.
    var tls_client_certificate_bound_access_tokens: Bool?
    /// RFC 8705 §5: the endpoints on the mutual-TLS listener; left out without TLS.
    var mtls_endpoint_aliases: MTLSEndpointAliases?

    /// The endpoints a client using mutual TLS calls instead of the plain ones.
    struct MTLSEndpointAliases: Codable, Equatable {
        let token_endpoint: String
        let introspection_endpoint: String
        let revocation_endpoint: String
    }
}

/// The faults in force, as `GET`/`POST /admin/faults` answers them.
struct FaultsDescription: ResponseEncodable, Equatable {
    let latency_ms: Int
    let token_error_rate: Double
    let token_fault: String
    let retry_after: Int
    let resource_down: Bool
    /// Written as `null` when keys are not rotated periodically.
    let rotate_keys_every_seconds: Int?
    let breaking_rotation: Bool
    let clock_offset_seconds: Double
    /// Written as `null` when `/mod` expects the demo's own audience or issuer.
    let resource_expect_audience: String?
    let resource_expect_issuer: String?
    let dpop_nonce: Bool

    init(_ faults: DemoFaults) {
        latency_ms = Int(faults.latency.timeInterval * 1000)
        token_error_rate = faults.tokenErrorRate
        token_fault = faults.tokenFaultKind.rawValue
        retry_after = faults.retryAfterSeconds
        resource_down = faults.resourceDown
        rotate_keys_every_seconds = faults.rotateKeysEvery?.wholeSeconds
        breaking_rotation = faults.breakingRotation
        clock_offset_seconds = faults.clockOffset.timeInterval
        resource_expect_audience = faults.resourceExpectedAudience
        resource_expect_issuer = faults.resourceExpectedIssuer
        dpop_nonce = faults.dpopNonceRequired
    }

    private enum CodingKeys: String, CodingKey {
        case latency_ms, token_error_rate, token_fault, retry_after, resource_down, rotate_keys_every_seconds
        case breaking_rotation, clock_offset_seconds, resource_expect_audience, resource_expect_issuer, dpop_nonce
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(latency_ms, forKey: .latency_ms)
        try container.encode(token_error_rate, forKey: .token_error_rate)
        try container.encode(token_fault, forKey: .token_fault)
        try container.encode(retry_after, forKey: .retry_after)
        try container.encode(resource_down, forKey: .resource_down)
        try container.encode(rotate_keys_every_seconds, forKey: .rotate_keys_every_seconds)
        try container.encode(breaking_rotation, forKey: .breaking_rotation)
        try container.encode(clock_offset_seconds, forKey: .clock_offset_seconds)
        try container.encode(resource_expect_audience, forKey: .resource_expect_audience)
        try container.encode(resource_expect_issuer, forKey: .resource_expect_issuer)
        try container.encode(dpop_nonce, forKey: .dpop_nonce)
    }
}

/// `POST /admin/rotate-keys`: the new signing key's id.
struct RotatedKey: ResponseEncodable, Equatable {
    let kid: String
}

/// `GET /admin/stats`: what the authorization server has counted.
struct DemoStats: ResponseEncodable, Equatable {
    let token_requests: Int
}
