import Foundation
import Testing
import TokenConfig

@testable import SpringConfig

@Suite("Reading a Spring Boot service's configuration")
struct SpringImportTests {
    static let tutorial = [fixture("tutorial/mod/application.yml"), fixture("tutorial/client/application.yml")]

    // MARK: - The tutorial's classic shape

    @Test("the tutorial's two files make one client: token, introspection, scope, and baseUrl + --resource-path")
    func tutorial() throws {
        let imported = try springImport(
            Self.tutorial, resourcePath: "/mod", environment: ["OKTA_CLIENT_SECRET": "from-env"])
        #expect(imported.clients.map(\.name) == ["example"])
        #expect(imported.skipped.isEmpty)
        let client = try #require(imported.configuration.client(named: "example"))
        #expect(client.tokenURI?.absoluteString == "https://dev-123.okta.com/oauth2/default/v1/token")
        #expect(client.introspectionURI?.absoluteString == "https://dev-123.okta.com/oauth2/default/v1/introspect")
        #expect(client.clientID == "0oabcd12yz2EpHuis75s3")
        #expect(client.clientSecret == .inline("from-env"))
        #expect(client.authenticationMethod == .clientSecretBasic)
        #expect(client.scopes == ["custom_mod"])
        #expect(client.resourceURI?.absoluteString == "http://localhost:8080/mod")
        #expect(imported.written("example", "client-secret") == "${OKTA_CLIENT_SECRET}")
        #expect(imported.origin("example", "client-id") == "client/application.yml:6:17 example.oauth2.client.clientId")
        #expect(
            imported.origin("example", "introspection-uri")
                == "mod/application.yml:7:21 security.oauth2.resource.tokenInfoUri")
        #expect(imported.origin("example", "resource-uri") == "client/application.yml:2:12 example.baseUrl")
        #expect(imported.provenance(of: "example")["resource-uri"]?.last?.property == "--resource-path")
        #expect(imported.warnings.isEmpty)
    }

    @Test("without --resource-path there is no resource-uri, and a warning says how to get one")
    func tutorialWithoutResourcePath() throws {
        let imported = try springImport(Self.tutorial, environment: ["OKTA_CLIENT_SECRET": "x"])
        #expect(imported.configuration.clients.first?.resourceURI == nil)
        #expect(
            imported.warnings.map(\.description).contains {
                $0.hasSuffix(
                    "application.yml:2:12: example.baseUrl: gives the API's address; pass --resource-path (such as /mod) to call an endpoint there"
                )
            })
    }

    @Test("the written configuration keeps ${OKTA_CLIENT_SECRET}, names every source, and loads with no warnings")
    func tutorialWritten() throws {
        let environment = ["OKTA_CLIENT_SECRET": "never-written-out"]
        let imported = try springImport(Self.tutorial, resourcePath: "/mod", environment: environment)
        let yaml = try imported.configurationYAML()
        #expect(!yaml.contains("never-written-out"))
        #expect(yaml.contains("client-secret: ${OKTA_CLIENT_SECRET}"))
        #expect(yaml.contains("# example.oauth2.client.clientSecret (\(fixture("tutorial/client/application.yml")):7:21)"))
        #expect(yaml.contains("# security.oauth2.resource.tokenInfoUri (\(fixture("tutorial/mod/application.yml")):7:21)"))
        let loaded = try ConfigurationLoader.parse(yaml: yaml, path: "tokentop.yaml", environment: environment)
        #expect(loaded.warnings.isEmpty)
        var expected = imported.configuration
        expected.sourcePath = "tokentop.yaml"
        #expect(loaded.configuration == expected)
    }

    // MARK: - Spring Boot 3 registrations

    @Test("Spring Boot 3 registrations: providers by name or by id, lists and comma strings, non-client_credentials skipped")
    func boot3() throws {
        let imported = try springImport(
            [fixture("boot3/application.yml")], environment: ["MOD_CLIENT_SECRET": "mod-secret"])
        #expect(imported.clients.map(\.name) == ["mod-client", "reporting"])
        let mod = try #require(imported.configuration.client(named: "mod-client"))
        #expect(mod.issuerURI?.absoluteString == "https://dev-123.okta.com/oauth2/default")
        #expect(mod.tokenURI == nil)
        #expect(mod.clientSecret == .inline("mod-secret"))
        #expect(mod.scopes == ["custom_mod", "custom_read"])
        #expect(mod.expectedIssuer == nil)
        #expect(imported.clients[0].expectedAudiences.map(\.resolved) == ["api://default"])
        #expect(
            imported.origin("mod-client", "scope", item: 1)
                == "boot3/application.yml:16:17 spring.security.oauth2.client.registration.mod-client.scope[1]")

        let reporting = try #require(imported.configuration.client(named: "reporting"))
        #expect(reporting.tokenURI?.absoluteString == "https://auth.example.com/oauth/token")
        #expect(reporting.jwkSetURI?.absoluteString == "https://auth.example.com/.well-known/jwks.json")
        #expect(reporting.clientID == "reporting-app")
        #expect(reporting.authenticationMethod == .clientSecretPost)
        #expect(reporting.scopes == ["reports.read", "reports.write"])
        #expect(imported.clients[1].expectedAudiences.isEmpty)

        #expect(imported.skipped.map(\.name) == ["login"])
        #expect(
            imported.skipped.first?.reason
                == "authorization-grant-type is authorization_code; tokentop watches client_credentials clients only")
        #expect(imported.skipped.first?.origin.line == 27)
    }

    @Test("relaxed names: clientId, client_secret and CLIENT-AUTHENTICATION-METHOD are the kebab-case keys")
    func relaxedNames() throws {
        let imported = try springImport([fixture("boot3/application.yml")], environment: ["MOD_CLIENT_SECRET": "m"])
        #expect(
            imported.origin("reporting", "client-id")
                == "boot3/application.yml:19:23 spring.security.oauth2.client.registration.reporting.clientId")
        #expect(
            imported.origin("reporting", "client-authentication-method")?.hasSuffix(
                "registration.reporting.CLIENT-AUTHENTICATION-METHOD") == true)
    }

    @Test("a placeholder's plain default stays a reference with a fallback; one holding `$` is written as text")
    func placeholderDefaults() async throws {
        let imported = try springImport([fixture("boot3/application.yml")], environment: ["MOD_CLIENT_SECRET": "m"])
        #expect(imported.configuration.client(named: "reporting")?.clientSecret == .inline("s3cr$t"))
        #expect(imported.written("reporting", "client-secret") == "s3cr$$t")
        try await withSpringFiles([
            "application.yml": """
            spring.security.oauth2.client:
              registration.mod:
                client-id: ${MOD_ID:fallback-id}
                client-secret: ${MOD_SECRET}
                authorization-grant-type: client_credentials
              provider.mod.issuer-uri: ${app.issuer}/oauth2/default
            app:
              issuer: https://${app.host:dev-1.okta.com}
            """
        ]) { folder in
            let imported = try springImport([folder], environment: ["MOD_SECRET": "s"])
            #expect(imported.written("mod", "client-id") == "${MOD_ID:-fallback-id}")
            #expect(imported.written("mod", "issuer-uri") == "https://${APP_HOST:-dev-1.okta.com}/oauth2/default")
            let client = try #require(imported.configuration.clients.first)
            #expect(client.clientID == "fallback-id")
            #expect(client.issuerURI?.absoluteString == "https://dev-1.okta.com/oauth2/default")
            let overridden = try springImport(
                [folder], environment: ["MOD_SECRET": "s", "MOD_ID": "from-env", "APP_HOST": "x.example"])
            #expect(overridden.configuration.clients.first?.clientID == "from-env")
            #expect(overridden.written("mod", "issuer-uri") == "https://${APP_HOST}/oauth2/default")
        }
    }

    @Test("opaque-token resource-server settings give introspection; other introspection credentials are warned about")
    func opaqueTokenResourceServer() async throws {
        try await withSpringFiles([
            "client.yml": """
            spring.security.oauth2.client:
              registration.mod:
                client-id: mod-app
                client-secret: s
                authorization-grant-type: client_credentials
                scope: ${EXTRA_SCOPE},custom_mod
              provider.mod.token-uri: https://auth.example.com/oauth2/v1/token
            """,
            "api.yml": """
            spring.security.oauth2.resourceserver.opaquetoken:
              introspection-uri: https://auth.example.com/oauth2/v1/introspect
              client-id: api-app
              client-secret: other
            """,
        ]) { folder in
            let imported = try springImport([folder + "/client.yml", folder + "/api.yml"], environment: ["EXTRA_SCOPE": "extra"])
            let client = try #require(imported.configuration.clients.first)
            #expect(client.introspectionURI?.absoluteString == "https://auth.example.com/oauth2/v1/introspect")
            #expect(client.scopes == ["extra", "custom_mod"])
            #expect(imported.written("mod", "scope") == "${EXTRA_SCOPE} custom_mod")
            #expect(
                imported.warnings.map(\.description) == [
                    "\(folder)/api.yml:3:14: spring.security.oauth2.resourceserver.opaquetoken.client-id: the API introspects with "
                        + "client id \"api-app\", but tokentop introspects with the client's own credentials (mod's client-id)"
                ])
        }
    }

    @Test("resource-server settings for another authorization server reach no client, and say so")
    func unrelatedResourceServer() async throws {
        try await withSpringFiles([
            "application.yml": """
            spring.security.oauth2:
              client:
                registration:
                  a: {client-id: a, client-secret: s, authorization-grant-type: client_credentials}
                  b: {client-id: b, client-secret: s, authorization-grant-type: client_credentials}
                provider:
                  a.token-uri: https://one.example.com/token
                  b.token-uri: https://two.example.com/token
              resourceserver.jwt.jwk-set-uri: https://three.example.com/keys
            """
        ]) { folder in
            let imported = try springImport([folder])
            #expect(imported.configuration.clients.allSatisfy { $0.jwkSetURI == nil })
            #expect(
                imported.warnings.map(\.message) == [
                    "resource-server settings were read, but no client uses the same authorization server, so none takes them"
                ])
        }
    }

    // MARK: - Environment overrides and profiles

    @Test("environment variables in Spring's form win over the file, and stay references when written")
    func environmentOverrides() throws {
        let imported = try springImport(
            [fixture("boot3/application.yml")],
            environment: [
                "MOD_CLIENT_SECRET": "m",
                "SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_MODCLIENT_CLIENTSECRET": "override-secret",
                "SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_MODCLIENT_SCOPE_0": "only_this",
            ])
        let mod = try #require(imported.configuration.client(named: "mod-client"))
        #expect(mod.clientSecret == .inline("override-secret"))
        #expect(mod.scopes == ["only_this"])
        #expect(
            imported.written("mod-client", "client-secret")
                == "${SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_MODCLIENT_CLIENTSECRET}")
        #expect(imported.origin("mod-client", "client-secret") == "environment")
    }

    @Test("an environment override of a classic block's clientId keeps the block, its name and its other values")
    func classicOverride() throws {
        let imported = try springImport(
            Self.tutorial,
            environment: [
                "OKTA_CLIENT_SECRET": "x", "EXAMPLE_OAUTH2_CLIENT_CLIENTID": "from-env",
            ])
        #expect(imported.clients.map(\.name) == ["example"])
        #expect(imported.configuration.clients.first?.clientID == "from-env")
        #expect(imported.written("example", "client-id") == "${EXAMPLE_OAUTH2_CLIENT_CLIENTID}")
        #expect(imported.clients.first?.origin.property == "example.oauth2.client")
    }

    @Test("a registration made only of environment variables is read, and its errors say they come from the environment")
    func environmentOnlyRegistration() throws {
        let environment = [
            "MOD_CLIENT_SECRET": "m",
            "SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_BATCH_CLIENTID": "batch",
            "SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_BATCH_CLIENTSECRET": "b",
            "SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_BATCH_AUTHORIZATIONGRANTTYPE": "client_credentials",
        ]
        let issues = importIssues([fixture("boot3/application.yml")], environment: environment)
        #expect(
            issues.map(\.description) == [
                "environment: spring.security.oauth2.client.registration.batch: provider `batch` has no issuer-uri or token-uri; "
                    + "set spring.security.oauth2.client.provider.batch.issuer-uri (or token-uri)"
            ])
        var withProvider = environment
        withProvider["SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_BATCH_TOKENURI"] = "https://auth.example.com/token"
        let imported = try springImport([fixture("boot3/application.yml")], environment: withProvider)
        #expect(imported.clients.map(\.name) == ["mod-client", "reporting", "batch"])
        #expect(imported.written("batch", "token-uri") == "${SPRING_SECURITY_OAUTH2_CLIENT_PROVIDER_BATCH_TOKENURI}")
    }

    @Test("spring.profiles.active in the file picks documents by spring.config.activate.on-profile")
    func activeProfileFromFile() throws {
        let imported = try springImport([fixture("profiles/application.yml")])
        #expect(imported.profiles == ["dev"])
        let client = try #require(imported.configuration.clients.first)
        #expect(client.tokenURI?.absoluteString == "https://dev.example.com/token")
        #expect(client.clientID == "base-id")
        #expect(client.clientSecret == .inline("base-secret"))
        #expect(imported.written("mod", "client-secret") == "${MOD_SECRET:-base-secret}")
    }

    @Test("--profile prod: the older spring.profiles document, an expression, and application-prod.yml beside the file")
    func prodProfile() throws {
        let imported = try springImport([fixture("profiles/application.yml")], profiles: ["prod"])
        #expect(imported.profiles == ["prod"])
        #expect(imported.files.map { ($0 as NSString).lastPathComponent } == ["application.yml", "application-prod.yml"])
        let client = try #require(imported.configuration.clients.first)
        #expect(client.tokenURI?.absoluteString == "https://prod.example.com/token")
        #expect(client.clientID == "prod-id")
        #expect(client.scopes == ["us_only"])
        #expect(
            imported.origin("mod", "client-id")
                == "profiles/application-prod.yml:7:24 spring.security.oauth2.client.registration.mod.client-id")
    }

    @Test("--profile is repeatable; a later profile's file wins, and `prod & !eu` no longer matches")
    func twoProfiles() throws {
        let imported = try springImport([fixture("profiles/application.yml")], profiles: ["prod", "eu"])
        let client = try #require(imported.configuration.clients.first)
        #expect(client.scopes == ["eu_only"])
        #expect(imported.files.count == 3)
    }

    @Test("SPRING_PROFILES_ACTIVE picks profiles when --profile is not given")
    func profileFromEnvironment() throws {
        let imported = try springImport([fixture("profiles/application.yml")], environment: ["SPRING_PROFILES_ACTIVE": "prod"])
        #expect(imported.profiles == ["prod"])
        #expect(imported.configuration.clients.first?.clientID == "prod-id")
    }

    @Test("a .properties file: continuations, escapes, `basic` as client_secret_basic, and a #--- profile document")
    func propertiesFile() throws {
        let path = fixture("properties/application.properties")
        let imported = try springImport([path], environment: ["MOD_SECRET": "p"])
        let client = try #require(imported.configuration.clients.first)
        #expect(client.clientID == "0oaprops")
        #expect(client.scopes == ["custom_mod", "custom_read"])
        #expect(client.tokenURI?.absoluteString == "https://dev-123.okta.com/oauth2/default/v1/token")
        #expect(client.jwkSetURI?.absoluteString == "https://dev-123.okta.com/oauth2/default/v1/keys")
        let staging = try springImport([path], profiles: ["staging"], environment: ["MOD_SECRET": "p"])
        #expect(staging.configuration.clients.first?.tokenURI?.absoluteString == "https://staging.example.com/oauth2/v1/token")
    }

    @Test("the Okta starter's okta.oauth2 properties make a client, its audience kept as the expected one")
    func oktaStarter() throws {
        let imported = try springImport([fixture("okta/application.yml")], environment: ["OKTA_CLIENT_SECRET": "o"])
        let client = try #require(imported.configuration.client(named: "okta"))
        #expect(client.issuerURI?.absoluteString == "https://dev-123.okta.com/oauth2/default")
        #expect(client.clientID == "0oaokta")
        #expect(client.scopes == ["custom_mod"])
        #expect(client.audience == nil)
        #expect(imported.clients[0].expectedAudiences.map(\.resolved) == ["api://default"])
        // The API's audience is checked here too: written as expected-audience, with its origin.
        #expect(client.expectedAudiences == ["api://default"])
        #expect(try imported.configurationYAML().contains("expected-audience: api://default"))
    }

    @Test(
        "the blog's other server variant: okta.oauth2.issuer on the client's own server becomes issuer-uri (key set discovery and the iss check)"
    )
    func oktaIssuerForDiscovery() async throws {
        let server = """
            okta:
              oauth2:
                issuer: https://dev-123.okta.com/oauth2/default
                audience: api://default
            """
        let client = try String(contentsOfFile: fixture("tutorial/client/application.yml"), encoding: .utf8)
        try await withSpringFiles(["mod/application.yml": server, "client/application.yml": client]) { folder in
            let imported = try springImport(
                [folder + "/mod/application.yml", folder + "/client/application.yml"], environment: ["OKTA_CLIENT_SECRET": "x"])
            let configuration = try #require(imported.configuration.clients.first)
            #expect(configuration.issuerURI?.absoluteString == "https://dev-123.okta.com/oauth2/default")
            #expect(configuration.expectedIssuer == nil, "the issuer-uri is the expected iss")
            #expect(configuration.expectedAudiences == ["api://default"])
        }
    }

    @Test("an API's issuer on another server than the client's is only the expected iss")
    func issuerElsewhere() async throws {
        let server = "okta:\n  oauth2:\n    issuer: https://other.example.com/oauth2/default\n"
        let client = try String(contentsOfFile: fixture("tutorial/client/application.yml"), encoding: .utf8)
        try await withSpringFiles(["mod/application.yml": server, "client/application.yml": client]) { folder in
            let imported = try springImport(
                [folder + "/mod/application.yml", folder + "/client/application.yml"], environment: ["OKTA_CLIENT_SECRET": "x"])
            let configuration = try #require(imported.configuration.clients.first)
            #expect(configuration.issuerURI == nil)
            #expect(configuration.expectedIssuer == "https://other.example.com/oauth2/default")
        }
    }

    @Test("a folder is read as its application.* files")
    func folder() throws {
        let imported = try springImport(
            [(fixture("boot3/application.yml") as NSString).deletingLastPathComponent],
            environment: ["MOD_CLIENT_SECRET": "m"])
        #expect(imported.clients.count == 2)
    }

    // MARK: - Errors and warnings

    @Test("an unresolvable placeholder is an error naming it and the property using it, at its file and line")
    func unresolvablePlaceholder() {
        let issues = importIssues([fixture("boot3/application.yml")])
        #expect(
            issues.map(\.description) == [
                fixture("boot3/application.yml") + ":12:28: spring.security.oauth2.client.registration.mod-client.client-secret: "
                    + "placeholder ${MOD_CLIENT_SECRET} cannot be resolved: no property MOD_CLIENT_SECRET and no environment "
                    + "variable MOD_CLIENT_SECRET; set one, or write ${MOD_CLIENT_SECRET:default}"
            ])
    }

    @Test("placeholders in a circle are an error naming the circle")
    func circularPlaceholders() async throws {
        try await withSpringFiles([
            "application.yml": """
            app:
              a: ${app.b}
              b: x${app.a}
            spring.security.oauth2.client:
              registration.mod:
                client-id: ${app.a}
                client-secret: s
                authorization-grant-type: client_credentials
              provider.mod.token-uri: https://auth.example.com/token
            """
        ]) { folder in
            let issues = importIssues([folder])
            #expect(issues.count == 1)
            #expect(issues.first?.message == "placeholders refer to each other in a circle: app.a → app.b → app.a")
            #expect(issues.first?.line == 3)
        }
    }

    @Test("errors point at the Spring file and line: bad URLs, unknown methods, missing providers, missing ids")
    func mappedErrors() async throws {
        try await withSpringFiles([
            "application.yml": """
            spring:
              security:
                oauth2:
                  client:
                    registration:
                      mod:
                        client-secret: s
                        authorization-grant-type: client_credentials
                        client-authentication-method: client_secret_bsic
                      other:
                        client-id: other
                        client-secret: s
                        authorization-grant-type: client_credentials
                        provider: nowhere
                      third:
                        client-id: third
                        client-secret: s
                        authorization-grant-type: client_credentials
                    provider:
                      mod:
                        token-uri: not a url
                      third:
                        token-uri: http://auth.example.com/token
            """
        ]) { folder in
            let file = folder + "/application.yml"
            let issues = importIssues([folder]).map(\.description)
            #expect(
                issues == [
                    "\(file):9:43: spring.security.oauth2.client.registration.mod.client-authentication-method: expected one of "
                        + "client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt, none, got \"client_secret_bsic\"; "
                        + "did you mean `client_secret_basic`?",
                    "\(file):14:23: spring.security.oauth2.client.registration.other.provider: provider `nowhere` has no issuer-uri "
                        + "or token-uri; set spring.security.oauth2.client.provider.nowhere.issuer-uri (or token-uri)",
                ])
            // Fixed, the reader's own checks of the values speak in Spring's terms too.
            let fixed = try String(contentsOfFile: file, encoding: .utf8)
                .replacingOccurrences(of: "client_secret_bsic", with: "client_secret_basic")
                .replacingOccurrences(of: "provider: nowhere", with: "provider: third")
            try fixed.write(toFile: file, atomically: true, encoding: .utf8)
            let remaining = importIssues([folder]).map(\.description)
            #expect(
                remaining.contains(
                    "\(file):7:28: spring.security.oauth2.client.registration.mod: missing `client-id`; every client needs the id the authorization server gave it"
                ))
            #expect(
                remaining.contains {
                    $0.hasPrefix(
                        "\(file):21:24: spring.security.oauth2.client.provider.mod.token-uri: expected an absolute http or https URL"
                    ) && $0.hasSuffix("(tokentop's `token-uri`)")
                })
            #expect(
                remaining.contains {
                    $0.hasPrefix(
                        "\(file):23:24: spring.security.oauth2.client.provider.third.token-uri: uses plain http to auth.example.com"
                    ) && $0.hasSuffix("; for Spring files, pass --allow-insecure-http")
                })
        }
    }

    @Test("allowInsecureHTTP lets clients read from Spring files reach a test server over plain http")
    func insecureHTTP() async throws {
        try await withSpringFiles([
            "application.properties": """
            spring.security.oauth2.client.registration.kc.client-id=kc
            spring.security.oauth2.client.registration.kc.client-secret=s
            spring.security.oauth2.client.registration.kc.authorization-grant-type=client_credentials
            spring.security.oauth2.client.provider.kc.issuer-uri=http://keycloak:8080/realms/test
            """
        ]) { folder in
            #expect(importIssues([folder]).count == 1)
            let imported = try SpringImport.load(paths: [folder], allowInsecureHTTP: true, environment: [:])
            #expect(imported.configuration.clients.first?.allowInsecureHTTP == true)
            #expect(imported.provenance(of: "kc")["allow-insecure-http"]?.first?.property == "--allow-insecure-http")
            #expect(
                try imported.configurationYAML().contains(
                    "    # --allow-insecure-http (command line)\n    allow-insecure-http: 'true'\n"))
        }
    }

    @Test("unknown properties under the OAuth prefixes get a did-you-mean; the application's own are ignored")
    func unknownProperties() async throws {
        try await withSpringFiles([
            "application.yml": """
            server.port: 8080
            my-app.anything: goes
            spring:
              datasource.url: jdbc:h2:mem:x
              security.oauth2:
                client:
                  registration:
                    mod:
                      client-id: id
                      clent-secret: s
                      client-secret: s
                      authorization-grant-type: client_credentials
                  provider.mod.tokn-uri: https://auth.example.com/token
                  provider.mod.token-uri: https://auth.example.com/token
                resourceserver.jwt.audience: api://default
            """
        ]) { folder in
            let imported = try springImport([folder])
            let file = folder + "/application.yml"
            #expect(
                imported.warnings.map(\.description)
                    == [
                        "\(file):10:25: spring.security.oauth2.client.registration.mod.clent-secret: unknown property `clent-secret`; did you mean `client-secret`?",
                        "\(file):13:30: spring.security.oauth2.client.provider.mod.tokn-uri: unknown property `tokn-uri`; did you mean `token-uri`?",
                        "\(file):15:34: spring.security.oauth2.resourceserver.jwt.audience: unknown property `audience`; did you mean `audiences`?",
                    ].sorted())
        }
    }

    @Test("YAML syntax errors and missing files are reported at their place")
    func unreadableFiles() async throws {
        try await withSpringFiles(["application.yml": "spring:\n  security: [\n"]) { folder in
            let issues = importIssues([folder + "/application.yml"])
            #expect(issues.first?.file == folder + "/application.yml")
            #expect(issues.first?.line == 3)
            #expect(issues.first?.message.hasPrefix("invalid YAML") == true)
        }
        #expect(
            importIssues(["/nonexistent/application.yml"]).map(\.description) == ["/nonexistent/application.yml: no such file"])
    }

    @Test("files with no client_credentials client say what was looked for and what was skipped")
    func nothingToWatch() async throws {
        try await withSpringFiles([
            "application.properties": """
            spring.security.oauth2.client.registration.web.client-id=web
            spring.security.oauth2.client.registration.web.authorization-grant-type=authorization_code
            """
        ]) { folder in
            let issues = importIssues([folder])
            #expect(issues.count == 1)
            #expect(issues.first?.message.contains("no client_credentials client found") == true)
            #expect(issues.first?.message.contains("web (spring.security.oauth2.client.registration.web") == true)
        }
    }
}
