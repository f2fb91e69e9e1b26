/// The properties each shape of Spring configuration knows, beside the mapper that reads them.
extension ClientMapper {
    // The properties each shape knows, in Spring's spelling; others under these prefixes get a
    // "did you mean".
    static let oauth2Keys = ["client", "resourceserver", "authorizationserver"]
    static let clientKeys = ["registration", "provider"]
    static let registrationKeys = [
        "client-id", "client-secret", "client-authentication-method", "authorization-grant-type", "scope", "provider",
        "client-name", "redirect-uri", "redirect-uri-template",
    ]
    static let providerKeys = [
        "issuer-uri", "token-uri", "jwk-set-uri", "authorization-uri", "user-info-uri",
        "user-info-authentication-method", "user-name-attribute",
    ]
    static let resourceServerKeys = ["jwt", "opaquetoken"]
    static let jwtKeys = [
        "issuer-uri", "jwk-set-uri", "audiences", "jws-algorithms", "jws-algorithm", "public-key-location",
        "principal-claim-name", "authorities-claim-name", "authorities-claim-delimiter", "authority-prefix",
    ]
    static let opaqueTokenKeys = ["introspection-uri", "client-id", "client-secret"]
    static let classicKeys = ["client", "resource", "sso", "authorization"]
    static let classicResourceKeys = [
        "id", "userInfoUri", "tokenInfoUri", "preferTokenInfo", "tokenType", "jwt", "jwk", "filterOrder", "serviceId",
        "loadBalanced",
    ]
    /// `ClientCredentialsResourceDetails`' properties.
    static let detailsKeys = [
        "id", "clientId", "clientSecret", "accessTokenUri", "scope", "grantType", "clientAuthenticationScheme",
        "authenticationScheme", "tokenName",
    ]
    /// `security.oauth2.client` of Spring Boot 1.5 also binds these.
    static let classicClientKeys =
        detailsKeys + [
            "userAuthorizationUri", "preEstablishedRedirectUri", "useCurrentUri", "registeredRedirectUri",
            "autoApproveScopes", "authorities", "resourceIds", "accessTokenValiditySeconds", "refreshTokenValiditySeconds",
            "additionalInformation", "authorizedGrantTypes",
        ]
    static let oktaKeys = [
        "issuer", "client-id", "client-secret", "scopes", "audience", "redirect-uri", "post-logout-redirect-uri",
        "groups-claim", "proxy", "authority-prefix",
    ]
}
