import Foundation
import TokenConfig

/// Finds the clients in Spring properties: Spring Boot 2/3 client registrations with their
/// providers, resource-server settings of the API they call, classic Spring Security OAuth
/// `ClientCredentialsResourceDetails` blocks at any prefix, and the Okta starter's `okta.oauth2`.
struct ClientMapper {
    private var properties: PropertySet
    private var resolver: PlaceholderResolver
    private let resourcePath: String?
    private(set) var issues: [ConfigurationIssue] = []
    private(set) var warnings: [ConfigurationIssue] = []
    private(set) var clients: [SpringImport.Client] = []
    private(set) var skipped: [SpringImport.Skipped] = []
    /// The names of `clients` and `skipped`.
    private var takenNames: Set<String> = []
    private var hints = ResourceServerHints()

    /// What the called API's own configuration says about the tokens it accepts.
    private struct ResourceServerHints {
        var issuer: Found?
        var jwkSet: Found?
        var audiences: [Found] = []
        var introspection: Found?
        var introspectionClientID: Found?
    }

    /// A resolved value and where it was set.
    private struct Found {
        let value: ValueTemplate
        let origin: SpringOrigin
    }

    private let oauth2 = PropertyName("spring.security.oauth2")
    private let clientBase = PropertyName("spring.security.oauth2.client")
    private let resourceServer = PropertyName("spring.security.oauth2.resourceserver")
    private let classic = PropertyName("security.oauth2")
    private let okta = PropertyName("okta.oauth2")

    init(properties: PropertySet, environment: [String: String], resourcePath: String?) {
        self.properties = properties
        self.resolver = PlaceholderResolver(properties: properties, environment: environment)
        self.resourcePath = resourcePath
    }

    mutating func map() {
        checkUnknown(under: oauth2, known: Self.oauth2Keys)
        checkUnknown(under: clientBase, known: Self.clientKeys)
        checkUnknown(under: resourceServer, known: Self.resourceServerKeys)
        checkUnknown(under: resourceServer.appending("jwt"), known: Self.jwtKeys)
        checkUnknown(under: resourceServer.appending("opaquetoken"), known: Self.opaqueTokenKeys)
        checkUnknown(under: classic, known: Self.classicKeys)
        checkUnknown(under: classic.appending("resource"), known: Self.classicResourceKeys)
        checkUnknown(under: classic.appending("client"), known: Self.classicClientKeys)
        checkUnknown(under: okta, known: Self.oktaKeys)
        for (id, _) in properties.children(of: clientBase.appending("provider")) {
            checkUnknown(under: clientBase.appending("provider", id), known: Self.providerKeys)
        }

        readResourceServer()
        for (id, spelling) in properties.children(of: clientBase.appending("registration")) {
            mapRegistration(id: id, spelling: spelling)
        }
        for block in classicBlocks() { mapClassicBlock(block) }
        mapOkta()
        applyResourceServerHints()
    }

    // MARK: - Spring Boot 2/3 registrations

    private mutating func mapRegistration(id: String, spelling: String) {
        let registration = clientBase.appending("registration", id)
        checkUnknown(under: registration, known: Self.registrationKeys)
        let origin = properties.properties(under: registration).first?.origin ?? SpringOrigin(option: spelling)
        let blockOrigin = SpringOrigin(block: "spring.security.oauth2.client.registration.\(spelling)", at: origin)
        let name = uniqueName(spelling)
        let grant = value(registration.appending("authorization-grant-type"))
        guard let grant, !grant.value.resolved.isEmpty else {
            skipped.append(
                SpringImport.Skipped(
                    name: name, origin: blockOrigin,
                    reason: "no authorization-grant-type (Spring Boot then uses authorization_code); "
                        + "tokentop watches client_credentials clients only"))
            return
        }
        guard grant.value.resolved == "client_credentials" else {
            skipped.append(
                SpringImport.Skipped(
                    name: name, origin: grant.origin,
                    reason:
                        "authorization-grant-type is \(grant.value.resolved); tokentop watches client_credentials clients only"))
            return
        }
        var client = ClientBuilder(name: name, origin: blockOrigin)
        if let method = value(registration.appending("client-authentication-method")) {
            switch method.value.resolved {
            case "client_secret_basic", "basic": break
            case "client_secret_post", "post":
                client.set("client-authentication-method", ValueTemplate(text: "client_secret_post"), method.origin)
            case "private_key_jwt":
                skipped.append(
                    SpringImport.Skipped(
                        name: name, origin: method.origin,
                        reason: "private_key_jwt signs with a key Spring sets up in code, not in properties; "
                            + "configure this client in tokentop's own file with private-key-file"))
                return
            case "client_secret_jwt", "none":
                skipped.append(
                    SpringImport.Skipped(
                        name: name, origin: method.origin,
                        reason: "client-authentication-method \(method.value.resolved) is not one tokentop supports"))
                return
            default:
                let known = ["client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt", "none"]
                var message = "expected one of \(known.joined(separator: ", ")), got \"\(method.value.resolved)\""
                if let suggestion = KeySuggestion.closest(to: method.value.resolved, among: known) {
                    message += "; did you mean `\(suggestion)`?"
                }
                report(method.origin, message)
            }
        }
        let providerSetting = value(registration.appending("provider"))
        let providerID = providerSetting?.value.resolved ?? spelling
        let provider = clientBase.appending("provider", providerID)
        let issuer = value(provider.appending("issuer-uri"))
        let token = value(provider.appending("token-uri"))
        if issuer == nil && token == nil {
            report(
                providerSetting?.origin ?? blockOrigin,
                "provider `\(providerID)` has no issuer-uri or token-uri; set "
                    + "spring.security.oauth2.client.provider.\(providerID).issuer-uri (or token-uri)")
        }
        client.set("issuer-uri", issuer)
        client.set("token-uri", token)
        client.set("jwk-set-uri", value(provider.appending("jwk-set-uri")))
        client.set("client-id", value(registration.appending("client-id")))
        client.set("client-secret", value(registration.appending("client-secret")))
        client.setList("scope", list(registration.appending("scope")))
        clients.append(client.client)
    }

    // MARK: - Resource servers

    private mutating func readResourceServer() {
        let jwt = resourceServer.appending("jwt")
        let opaque = resourceServer.appending("opaquetoken")
        hints.issuer = value(jwt.appending("issuer-uri"))
        hints.jwkSet = value(jwt.appending("jwk-set-uri")) ?? value(classic.appending("resource", "jwk", "key-set-uri"))
        hints.audiences = list(jwt.appending("audiences"))
        hints.introspection =
            value(opaque.appending("introspection-uri"))
            ?? value(classic.appending("resource", "token-info-uri"))
        hints.introspectionClientID = value(opaque.appending("client-id"))
        if hints.introspectionClientID == nil, !isClientBlock(classic.appending("client")) {
            hints.introspectionClientID = value(classic.appending("client", "client-id"))
        }
        if properties.properties(under: okta).first != nil, value(okta.appending("client-id")) == nil {
            hints.issuer = hints.issuer ?? value(okta.appending("issuer"))
            if hints.audiences.isEmpty, let audience = value(okta.appending("audience")) { hints.audiences = [audience] }
        }
    }

    /// The called API's key set, issuer, audiences and introspection go to the clients of the
    /// same authorization server (matched by scheme, host and port), or to the only client.
    private mutating func applyResourceServerHints() {
        let apiServer = [hints.issuer, hints.jwkSet, hints.introspection].compactMap { $0 }.first.map { Self.authority($0.value) }
        guard apiServer != nil || !hints.audiences.isEmpty else { return }
        var applied = false
        for index in clients.indices {
            var client = ClientBuilder(clients[index])
            let clientServer = [client.value("issuer-uri"), client.value("token-uri")].compactMap { $0 }.first.map(Self.authority)
            guard clients.count == 1 || (apiServer != nil && clientServer == apiServer) else { continue }
            applied = true
            if client.value("jwk-set-uri") == nil { client.set("jwk-set-uri", hints.jwkSet) }
            if client.value("introspection-uri") == nil { client.set("introspection-uri", hints.introspection) }
            if let issuer = hints.issuer, client.value("issuer-uri")?.resolved != issuer.value.resolved {
                // The API's issuer, on the client's own server, is where its key set is found
                // (discovery) as well as what `iss` must say; elsewhere it is only the latter.
                if client.value("issuer-uri") == nil, apiServer != nil, clientServer == apiServer {
                    client.set("issuer-uri", issuer)
                } else {
                    client.set("expected-issuer", issuer)
                }
            }
            if client.audiences.isEmpty { client.audiences = hints.audiences.map { ($0.value, $0.origin) } }
            if let id = hints.introspectionClientID, let own = client.value("client-id"),
                id.value.resolved != own.resolved
            {
                warnings.append(
                    issue(
                        id.origin,
                        "the API introspects with client id \"\(id.value.resolved)\", but tokentop introspects with the client's "
                            + "own credentials (\(client.name)'s client-id)"))
            }
            clients[index] = client.client
        }
        if !applied, let origin = (hints.issuer ?? hints.jwkSet ?? hints.introspection ?? hints.audiences.first)?.origin {
            warnings.append(
                issue(
                    origin,
                    "resource-server settings were read, but no client uses the same authorization server, so none takes them"))
        }
    }

    // MARK: - Classic Spring Security OAuth

    /// Prefixes holding `clientId` with `accessTokenUri` or `grantType`, outside Spring Boot's own
    /// and Okta's prefixes, in file order.
    private func classicBlocks() -> [PropertyName] {
        var blocks: [PropertyName] = []
        var found: Set<PropertyName> = []
        for name in properties.order where name.last == "clientid" {
            let block = name.parent
            guard !block.hasPrefix(oauth2), !block.hasPrefix(okta), !found.contains(block),
                properties.writtenName(name) != nil, isClientBlock(block)
            else { continue }
            blocks.append(block)
            found.insert(block)
        }
        return blocks
    }

    private func isClientBlock(_ block: PropertyName) -> Bool {
        properties[block.appending("client-id")] != nil
            && (properties[block.appending("access-token-uri")] != nil || properties[block.appending("grant-type")] != nil)
    }

    private mutating func mapClassicBlock(_ block: PropertyName) {
        if block != classic.appending("client") { checkUnknown(under: block, known: Self.detailsKeys) }
        let clientID = properties[block.appending("client-id")]
        let written =
            properties.writtenName(block.appending("client-id")).map { PropertyName.writtenElements($0).dropLast() } ?? []
        let prefix = written.joined(separator: ".")
        let blockOrigin = SpringOrigin(block: prefix, at: clientID?.origin ?? SpringOrigin(option: prefix))
        let name = uniqueName(classicName(Array(written)))
        // Spring Boot 1.5 binds security.oauth2.client to AuthorizationCodeResourceDetails.
        let defaultGrant = block == classic.appending("client") ? "authorization_code" : "client_credentials"
        let grant = value(block.appending("grant-type"))
        let grantType = grant?.value.resolved ?? defaultGrant
        guard grantType == "client_credentials" else {
            skipped.append(
                SpringImport.Skipped(
                    name: name, origin: grant?.origin ?? blockOrigin,
                    reason: "grantType is \(grantType)\(grant == nil ? " (the default here)" : ""); "
                        + "tokentop watches client_credentials clients only"))
            return
        }
        var client = ClientBuilder(name: name, origin: blockOrigin)
        let token = value(block.appending("access-token-uri"))
        if token == nil { report(blockOrigin, "missing accessTokenUri, the token endpoint this client calls") }
        client.set("token-uri", token)
        client.set("client-id", value(block.appending("client-id")))
        client.set("client-secret", value(block.appending("client-secret")))
        if let scheme = value(block.appending("client-authentication-scheme")) {
            switch scheme.value.resolved.lowercased() {
            case "header": break
            case "form": client.set("client-authentication-method", ValueTemplate(text: "client_secret_post"), scheme.origin)
            default:
                report(
                    scheme.origin,
                    "expected header (client_secret_basic) or form (client_secret_post), got \"\(scheme.value.resolved)\"")
            }
        }
        client.setList("scope", list(block.appending("scope")))
        if let resourcePath, let base = nearestBaseURL(above: block) {
            var url = base.value
            let path = resourcePath.hasPrefix("/") ? resourcePath : "/" + resourcePath
            if case .text(let text)? = url.parts.last, text.hasSuffix("/") {
                url.parts[url.parts.count - 1] = .text(String(text.dropLast()))
            }
            url.parts.append(.text(path))
            client.set("resource-uri", url, [base.origin, SpringOrigin(option: "--resource-path")])
        } else if resourcePath == nil, let base = nearestBaseURL(above: block) {
            warnings.append(
                issue(
                    base.origin, "gives the API's address; pass --resource-path (such as /mod) to call an endpoint there"))
        }
        clients.append(client.client)
    }

    /// `baseUrl` beside the block or beside any of its parents, nearest first.
    private mutating func nearestBaseURL(above block: PropertyName) -> Found? {
        var folder = block
        while true {
            if let found = value(folder.appending("base-url")) { return found }
            guard !folder.elements.isEmpty else { return nil }
            folder = folder.parent
        }
    }

    /// `example.oauth2.client` is `example`; a bare `security.oauth2.client` is `client`.
    private func classicName(_ written: [String]) -> String {
        let generic: Set<String> = ["client", "oauth2", "oauth", "security"]
        let meaningful = written.filter { !generic.contains(PropertyName.normalized($0)) }
        return meaningful.isEmpty ? "client" : meaningful.joined(separator: "-")
    }

    // MARK: - Okta starter

    private mutating func mapOkta() {
        guard let clientID = value(okta.appending("client-id")) else { return }
        let origin = clientID.origin
        var client = ClientBuilder(name: uniqueName("okta"), origin: SpringOrigin(block: "okta.oauth2", at: origin))
        let issuer = value(okta.appending("issuer"))
        if issuer == nil {
            report(origin, "okta.oauth2.issuer is missing; the Okta starter needs the issuer to find the token endpoint")
        }
        client.set("issuer-uri", issuer)
        client.set("client-id", clientID)
        client.set("client-secret", value(okta.appending("client-secret")))
        client.setList("scope", list(okta.appending("scopes")))
        if let audience = value(okta.appending("audience")) { client.audiences = [(audience.value, audience.origin)] }
        clients.append(client.client)
    }

    // MARK: - Values

    /// A property's resolved value; nil when unset or empty. Placeholder errors are reported.
    private mutating func value(_ name: PropertyName) -> Found? {
        guard let property = properties[name] else { return nil }
        do {
            let template = try resolver.resolve(property)
            guard template.hasReferences || !template.resolved.isEmpty else { return nil }
            return Found(value: template, origin: property.origin)
        } catch {
            for issue in error.issues where !issues.contains(issue) { issues.append(issue) }
            return nil
        }
    }

    /// A list as Spring binds it: indexed items, or one value split at commas.
    private mutating func list(_ name: PropertyName) -> [Found] {
        var found: [Found] = []
        for property in properties.items(name) {
            do {
                let template = try resolver.resolve(property)
                let pieces = property.name == name ? template.split(separator: ",") : [template.trimmed]
                found += pieces.filter { $0.hasReferences || !$0.resolved.isEmpty }
                    .map { Found(value: $0, origin: property.origin) }
            } catch {
                for issue in error.issues where !issues.contains(issue) { issues.append(issue) }
            }
        }
        return found
    }

    /// Warns about each property directly under `prefix` that is not one of `known`.
    private mutating func checkUnknown(under prefix: PropertyName, known: [String]) {
        let knownElements = Set(known.map(PropertyName.normalized))
        var reported = Set<String>()
        for property in properties.properties(under: prefix) where property.name.elements.count > prefix.elements.count {
            let element = property.name.elements[prefix.elements.count]
            guard !element.hasPrefix("["), !knownElements.contains(element), reported.insert(element).inserted,
                !property.origin.isEnvironmentVariable
            else { continue }
            let written = PropertyName.writtenElements(property.origin.property)
            let spelling = written.count == property.name.elements.count ? written[prefix.elements.count] : element
            var message = "unknown property `\(spelling)`"
            if let suggestion = KeySuggestion.closest(to: spelling, among: known) {
                message += "; did you mean `\(suggestion)`?"
            } else {
                message += "; expected one of \(known.map { "`\($0)`" }.joined(separator: ", "))"
            }
            warnings.append(issue(property.origin, message))
        }
    }

    private mutating func report(_ origin: SpringOrigin, _ message: String) {
        issues.append(issue(origin, message))
    }

    private func issue(_ origin: SpringOrigin, _ message: String) -> ConfigurationIssue {
        if let file = origin.file {
            return ConfigurationIssue(
                file: file, line: origin.line, column: origin.column, keyPath: origin.property, message: message)
        }
        return ConfigurationIssue(file: origin.location, keyPath: origin.property, message: message)
    }

    /// `base`, or `base-2`, `base-3`, …: a name no client or skipped block has. Each name asked
    /// for goes to a client or a skipped block, so it is taken here.
    private mutating func uniqueName(_ base: String) -> String {
        var name = base
        var number = 2
        while takenNames.contains(name) {
            name = "\(base)-\(number)"
            number += 1
        }
        takenNames.insert(name)
        return name
    }

    /// `https://host:port` of a URL template's current value, for matching servers.
    private static func authority(_ value: ValueTemplate) -> String {
        guard let url = URL(string: value.resolved), let host = url.host else { return value.resolved }
        let scheme = url.scheme?.lowercased() ?? ""
        return "\(scheme)://\(host.lowercased()):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    /// A client being assembled, with its settings kept in tokentop's usual order.
    private struct ClientBuilder {
        static let order = [
            "issuer-uri", "token-uri", "introspection-uri", "jwk-set-uri", "client-id", "client-secret",
            "client-authentication-method", "scope", "resource-uri", "expected-issuer", "expected-audience",
        ]
        let name: String
        let origin: SpringOrigin
        var settings: [String: SpringImport.Setting] = [:]
        var audiences: [(ValueTemplate, SpringOrigin)] = []

        init(name: String, origin: SpringOrigin) {
            self.name = name
            self.origin = origin
        }

        init(_ client: SpringImport.Client) {
            name = client.name
            origin = client.origin
            // `expected-audience` is written from `audiences` alone (see `client`).
            for setting in client.settings where setting.key != "expected-audience" { settings[setting.key] = setting }
            audiences = Array(zip(client.expectedAudiences, client.expectedAudienceOrigins))
        }

        func value(_ key: String) -> ValueTemplate? {
            if case .text(let template)? = settings[key]?.value { return template }
            return nil
        }

        mutating func set(_ key: String, _ found: Found?) {
            if let found { set(key, found.value, [found.origin]) }
        }

        mutating func set(_ key: String, _ value: ValueTemplate, _ origins: SpringOrigin...) {
            set(key, value, origins)
        }

        mutating func set(_ key: String, _ value: ValueTemplate, _ origins: [SpringOrigin]) {
            settings[key] = SpringImport.Setting(key: key, value: .text(value), origins: origins)
        }

        mutating func setList(_ key: String, _ items: [Found]) {
            guard !items.isEmpty else { return }
            settings[key] = SpringImport.Setting(key: key, value: .list(items.map(\.value)), origins: items.map(\.origin))
        }

        var client: SpringImport.Client {
            var settings = self.settings
            // The API's audiences become `expected-audience`: the token's `aud` is checked here too.
            switch audiences.count {
            case 0: break
            case 1:
                settings["expected-audience"] = SpringImport.Setting(
                    key: "expected-audience", value: .text(audiences[0].0), origins: [audiences[0].1])
            default:
                settings["expected-audience"] = SpringImport.Setting(
                    key: "expected-audience", value: .list(audiences.map(\.0)), origins: audiences.map(\.1))
            }
            return SpringImport.Client(
                name: name, origin: origin, settings: Self.order.compactMap { settings[$0] },
                expectedAudiences: audiences.map(\.0), expectedAudienceOrigins: audiences.map(\.1))
        }
    }
}
