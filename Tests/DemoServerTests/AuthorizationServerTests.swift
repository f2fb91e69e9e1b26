import DemoServer
import Foundation
import Testing

@Suite("Authorization server: discovery, keys and the token endpoint")
struct AuthorizationServerTests {
    @Test("metadata is served at the RFC 8414 path and Okta's path; no openid-configuration without an authorization endpoint")
    func discovery() async throws {
        try await withDemo { demo in
            let endpoints = demo.endpoints
            let openID = try await HTTP.get(demo.issuer.appending(path: ".well-known/openid-configuration"))
            #expect(openID.status == 404)
            for url in [endpoints.metadataURL, endpoints.issuerMetadataURL] {
                let answer = try await HTTP.get(url)
                #expect(answer.status == 200, "\(url)")
                let json = answer.json
                #expect(json["issuer"] as? String == demo.issuer.absoluteString)
                #expect(json["token_endpoint"] as? String == demo.tokenEndpoint.absoluteString)
                #expect(json["jwks_uri"] as? String == demo.jwksURI.absoluteString)
                #expect(json["introspection_endpoint"] as? String == demo.introspectionEndpoint.absoluteString)
                #expect(json["revocation_endpoint"] as? String == demo.revocationEndpoint.absoluteString)
                #expect(json["grant_types_supported"] as? [String] == ["client_credentials"])
                #expect(json["response_types_supported"] as? [String] == ["none"])
                #expect(json["authorization_endpoint"] == nil)
                for endpoint in ["token", "introspection", "revocation"] {
                    #expect(
                        (json["\(endpoint)_endpoint_auth_methods_supported"] as? [String])?.contains("private_key_jwt") == true)
                    #expect(
                        json["\(endpoint)_endpoint_auth_signing_alg_values_supported"] as? [String] == ["ES256"], "\(endpoint)")
                }
                #expect(
                    Set(json["token_endpoint_auth_methods_supported"] as? [String] ?? [])
                        == ["client_secret_basic", "client_secret_post", "private_key_jwt"])
            }
            #expect(demo.issuer.absoluteString.hasSuffix("/oauth2/default"))
            #expect(demo.tokenEndpoint.absoluteString == demo.issuer.absoluteString + "/v1/token")
        }
    }

    @Test("a Basic client gets an RS256 at+jwt access token shaped per RFC 9068, signed by a key in the JWKS")
    func basicToken() async throws {
        try await withDemo { demo in
            let client = demo.client("mod-client")
            let answer = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials"), ("scope", "custom_mod")],
                basic: (client.clientID, client.secret!))
            #expect(answer.status == 200)
            #expect(answer.header("Cache-Control") == "no-store")
            #expect(answer.header("Pragma") == "no-cache")
            let json = answer.json
            #expect(json["token_type"] as? String == "Bearer")
            #expect(json["expires_in"] as? Int == 3600)
            #expect(json["scope"] as? String == "custom_mod")
            let token = try #require(json["access_token"] as? String)
            let (header, claims) = jwtParts(token)
            #expect(header["alg"] as? String == "RS256")
            #expect(header["typ"] as? String == "at+jwt")
            let kid = try #require(header["kid"] as? String)
            #expect(claims["iss"] as? String == demo.issuer.absoluteString)
            #expect(claims["sub"] as? String == client.clientID)
            #expect(claims["client_id"] as? String == client.clientID)
            #expect(claims["cid"] as? String == client.clientID)
            #expect(claims["aud"] as? String == "api://default")
            #expect(claims["scope"] as? String == "custom_mod")
            #expect(claims["scp"] as? [String] == ["custom_mod"])
            #expect((claims["jti"] as? String)?.isEmpty == false)
            let iat = try #require(claims["iat"] as? Int)
            #expect(claims["exp"] as? Int == iat + 3600)

            let keys = try await HTTP.get(demo.jwksURI).json["keys"] as? [[String: Any]] ?? []
            let key = try #require(keys.first { $0["kid"] as? String == kid })
            #expect(key["kty"] as? String == "RSA")
            #expect(key["alg"] as? String == "RS256")
            #expect((key["n"] as? String)?.isEmpty == false)
            #expect(key["e"] as? String == "AQAB")
        }
    }

    @Test("token lifetime is per client: the short-lived client's tokens last 30 seconds")
    func perClientLifetime() async throws {
        try await withDemo { demo in
            let client = demo.client("short-lived")
            let answer = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, client.secret!))
            #expect(answer.json["expires_in"] as? Int == 30)
            let claims = jwtParts(answer.json["access_token"] as? String ?? "").claims
            #expect((claims["exp"] as? Int ?? 0) - (claims["iat"] as? Int ?? 0) == 30)
        }
    }

    @Test("Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1), so ids with ':' work")
    func basicFormEncoding() async throws {
        let options = DemoServerOptions(clients: [DemoClientSpec(name: "svc:one/ä b", scopes: ["custom_mod"])])
        try await withDemo(options) { demo in
            let client = demo.client("svc:one/ä b")
            let answer = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, client.secret!))
            #expect(answer.status == 200)
            #expect(jwtParts(answer.json["access_token"] as? String ?? "").claims["sub"] as? String == "svc:one/ä b")
        }
    }

    @Test("client_secret_post works for the post client, and the wrong method is invalid_client")
    func secretPost() async throws {
        try await withDemo { demo in
            let client = demo.client("post-client")
            let good = try await HTTP.postForm(
                demo.tokenEndpoint,
                [("grant_type", "client_credentials"), ("client_id", client.clientID), ("client_secret", client.secret!)])
            #expect(good.status == 200)
            #expect(good.json["access_token"] is String)

            let viaBasic = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, client.secret!))
            #expect(viaBasic.status == 401)
            #expect(viaBasic.error == "invalid_client")
            #expect(viaBasic.header("WWW-Authenticate")?.hasPrefix("Basic realm=") == true)
        }
    }

    @Test("a wrong secret is 401 invalid_client, with a Basic challenge only when Basic was used")
    func wrongSecret() async throws {
        try await withDemo { demo in
            let client = demo.client("wrong-secret")
            #expect(client.configuredSecret != client.secret)
            let basic = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, client.configuredSecret!))
            #expect(basic.status == 401)
            #expect(basic.error == "invalid_client")
            #expect(basic.json["error_description"] is String)
            #expect(basic.header("WWW-Authenticate")?.hasPrefix("Basic realm=\"") == true)
            #expect(basic.header("Cache-Control") == "no-store")
            #expect(basic.header("Content-Type") == "application/json")
            #expect(!basic.text.contains(client.configuredSecret!))

            let post = demo.client("post-client")
            let viaPost = try await HTTP.postForm(
                demo.tokenEndpoint,
                [("grant_type", "client_credentials"), ("client_id", post.clientID), ("client_secret", "nope")])
            #expect(viaPost.status == 401)
            #expect(viaPost.error == "invalid_client")
            #expect(viaPost.header("WWW-Authenticate") == nil)

            let unknown = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: ("nobody", "secret"))
            #expect(unknown.status == 401)
            #expect(unknown.error == "invalid_client")
        }
    }

    @Test("scopes outside the client's registration are invalid_scope; no scope asked means all of its scopes")
    func scopes() async throws {
        try await withDemo { demo in
            let client = demo.client("no-mod-scope")
            let refused = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials"), ("scope", "custom_mod")],
                basic: (client.clientID, client.secret!))
            #expect(refused.status == 400)
            #expect(refused.error == "invalid_scope")
            #expect(refused.header("Cache-Control") == "no-store")

            let defaulted = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")], basic: (client.clientID, client.secret!))
            #expect(defaulted.json["scope"] as? String == "custom_read")
        }
    }

    @Test(
        "grant types: missing is invalid_request, others unsupported_grant_type, introspection-only credentials unauthorized_client"
    )
    func grantTypes() async throws {
        try await withDemo { demo in
            let client = demo.client("mod-client")
            let credentials = (client.clientID, client.secret!)
            let missing = try await HTTP.postForm(demo.tokenEndpoint, [("scope", "custom_mod")], basic: credentials)
            #expect(missing.status == 400)
            #expect(missing.error == "invalid_request")
            for grant in ["password", "authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer"] {
                let answer = try await HTTP.postForm(demo.tokenEndpoint, [("grant_type", grant)], basic: credentials)
                #expect(answer.status == 400, "\(grant)")
                #expect(answer.error == "unsupported_grant_type", "\(grant)")
            }
            let resourceServer = demo.resourceServerClient
            let unauthorized = try await HTTP.postForm(
                demo.tokenEndpoint, [("grant_type", "client_credentials")],
                basic: (resourceServer.clientID, resourceServer.secret!))
            #expect(unauthorized.status == 400)
            #expect(unauthorized.error == "unauthorized_client")
        }
    }
}
