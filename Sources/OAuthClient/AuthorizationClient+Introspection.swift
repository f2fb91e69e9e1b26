import Foundation
import Logging
import TokenModel

// RFC 7662 introspection and RFC 7009 revocation of a held token: the two questions the
// operator asks the authorization server about a token, authenticated as the token request is.
extension AuthorizationClient {
    public func introspect(_ accessToken: String) async throws(OAuthError) -> IntrospectionResult {
        let endpoints = try await resolvedEndpoints()
        guard let url = endpoints.introspection else {
            throw OAuthError.configuration(
                "\(configuration.name) has no introspection endpoint: set introspection-uri or use an issuer that publishes one")
        }
        let (response, sent) = try await authenticatedPost(
            [("token", accessToken), ("token_type_hint", "access_token")], to: url, endpoints: endpoints,
            certificate: try tlsCertificate())
        let endpoint = URLText.describe(url)
        guard response.status == 200 else {
            throw rejection(response, at: url, sent: sent + [accessToken])
        }
        guard let fields = JSONValue(data: response.body)?.objectValue else {
            throw OAuthError.invalidResponse("introspection answer is not a JSON object", endpoint: endpoint, httpStatus: 200)
        }
        guard let active = fields["active"]?.boolValue else {
            throw OAuthError.invalidResponse(
                "introspection answer has no \"active\" (RFC 7662 §2.2)", endpoint: endpoint, httpStatus: 200)
        }
        return IntrospectionResult(active: active, fields: fields, checkedAt: now())
    }

    public func revoke(_ accessToken: String) async throws(OAuthError) {
        let endpoints = try await resolvedEndpoints()
        guard let url = endpoints.revocation else {
            throw OAuthError.configuration(
                "\(configuration.name) has no revocation endpoint: set revocation-uri or use an issuer that publishes one")
        }
        let (response, sent) = try await authenticatedPost(
            [("token", accessToken), ("token_type_hint", "access_token")], to: url, endpoints: endpoints,
            certificate: try tlsCertificate())
        guard response.status == 200 else {
            throw rejection(response, at: url, sent: sent + [accessToken])
        }
        logger.info("token revoked", metadata: ["client": "\(configuration.name)", "token": "\(Redaction.mask(accessToken))"])
    }

    /// Calls `resource-uri` with the token: `Bearer`, or `DPoP` with a proof carrying `ath`
    /// (RFC 9449 §7) and the client certificate when one is configured. A `use_dpop_nonce`
    /// challenge is answered once with the nonce given. Redirects are followed only within the
    /// same origin, so the token never travels to another host.
}
