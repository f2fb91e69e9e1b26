import Foundation
import ProtocolSupport
import TokenModel
import Yams

/// Turns a composed YAML tree into a validated configuration, collecting every problem on the
/// way so that one run reports them all. Scalars are read from their source text (not from
/// YAML's own typing), after `${VAR}` expansion; an empty value means "not set".
struct ConfigurationReader {
    /// A key and its value in a mapping, with the dotted path a user sees in messages.
    struct Entry {
        let key: String
        let keyNode: Node
        let value: Node
        let path: String
    }

    /// A client's secret, authentication method and key, as read.
    struct Credentials {
        var secret: SecretSource
        var method: ClientAuthenticationMethod
        var basicEncoding: BasicCredentialEncoding
        var privateKeyFile: String?
        var assertionAudience: ClientAssertionAudience?
        var tlsCertificateFile: String?
        var tlsKeyFile: String?
        var assertionCertificateFile: String?
        var assertionSHA1Thumbprint: Bool
        var federatedAssertion: SecretSource
    }

    /// The one field of an RFC 7591 registration response tokentop reads.
    struct RegistrationResponse: Decodable {
        let secretExpiresAt: Double?
        enum CodingKeys: String, CodingKey { case secretExpiresAt = "client_secret_expires_at" }
    }

    /// Why a registration response was refused, as the end of a sentence about its file.
    struct ClientRegistrationProblem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Form parameters tokentop sets itself; `token-parameters` may not replace them.
    static let reservedTokenParameters = [
        "grant_type", "client_id", "client_secret", "client_assertion", "client_assertion_type",
    ]

    let file: String
    let environment: [String: String]
    /// Relative file paths in the configuration are taken from here: the file's own folder.
    let baseDirectory: String
    private(set) var issues: [ConfigurationIssue] = []
    private(set) var warnings: [ConfigurationIssue] = []
    /// Clients whose `client-secret` is written in the file rather than taken from the environment.
    var clientsWithSecretsInFile: [String] = []
    /// How deep merge keys may go and how much they may expand the file.
    var readingGuard = ReadingGuard(counting: "values")
    /// The issues found before a bound was met, and that bound's: what the reader found after
    /// it, missing what the bound cut off, would be wrong.
    var issuesUpToBound: [ConfigurationIssue]?
    var outOfBounds: Bool { issuesUpToBound != nil }

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
        self.baseDirectory = (file as NSString).deletingLastPathComponent
    }

    /// The whole configuration, or nil when any issue was found.
    mutating func read(_ root: Node?) -> TokentopConfiguration? {
        guard let root, !Self.isNull(root) else {
            issues.append(
                ConfigurationIssue(
                    file: file,
                    message: "the file holds no settings; expected a mapping with a `clients:` key (see examples/tokentop.yaml)"))
            return nil
        }
        guard let entries = entries(of: root, path: "", expected: "a mapping with a `clients:` key at the top level")
        else { return nil }
        var settings: [ConfigurationSchema.TopLevelKey: Entry] = [:]
        for entry in entries {
            if let key = ConfigurationSchema.TopLevelKey(rawValue: entry.key) {
                settings[key] = entry
            } else if ConfigurationSchema.ClientKey(rawValue: entry.key) != nil {
                report(
                    entry.keyNode, entry.path,
                    "`\(entry.key)` is a client setting; put it under `clients:` and the client's name")
            } else {
                unknownKey(entry, in: .topLevel)
            }
        }
        let defaults = settings[.defaults].map { readDefaults($0) } ?? .standard
        var clients: [ClientConfiguration] = []
        if let entry = settings[.clients] {
            clients = readClients(entry, defaults: defaults)
        } else {
            issues.append(
                ConfigurationIssue(
                    file: file, line: root.mark?.line, column: root.mark?.column,
                    message: "missing `clients:`; expected a mapping from each client's name to its settings"))
        }
        var theme: String?
        var themeLocation: SettingLocation?
        if let entry = settings[.theme], let name = text(entry, expected: "a theme's name"), !name.isEmpty {
            theme = name
            themeLocation = location(of: entry)
        }
        let (keyBindings, keyBindingLocations) = settings[.keys].map { readKeyBindings($0) } ?? ([:], [:])
        let mouse = bool(settings[.mouse]) ?? true
        var cacheEncryption = CacheEncryption.plaintext
        if let entry = settings[.cacheEncryption], let chosen = choice(entry, CacheEncryption.self) {
            cacheEncryption = chosen
        }
        issues = Self.inFileOrder(issuesUpToBound ?? issues)
        guard issues.isEmpty else { return nil }
        return TokentopConfiguration(
            sourcePath: file, defaults: defaults, clients: clients, theme: theme, keyBindings: keyBindings, mouse: mouse,
            keyBindingLocations: keyBindingLocations, themeLocation: themeLocation, cacheEncryption: cacheEncryption)
    }

    // MARK: - Sections

    mutating func readDefaults(_ entry: Entry) -> ClientDefaults {
        var defaults = ClientDefaults.standard
        guard let entries = entries(of: entry.value, path: entry.path, expected: "a mapping of default client settings")
        else { return defaults }
        for setting in entries {
            switch ConfigurationSchema.DefaultsKey(rawValue: setting.key) {
            case .refreshSkew: if let value = duration(setting) { defaults.refreshSkew = value }
            case .pollInterval: if let value = duration(setting) { defaults.pollInterval = value }
            case .timeout: if let value = duration(setting) { defaults.timeout = value }
            case .historySize: if let value = historySize(setting) { defaults.historySize = value }
            case .credentialWarning: if let value = duration(setting) { defaults.credentialWarning = value }
            case nil:
                if ConfigurationSchema.ClientKey(rawValue: setting.key) != nil {
                    report(
                        setting.keyNode, setting.path,
                        "`\(setting.key)` has no default; `defaults:` takes "
                            + Self.list(ConfigurationSchema.Section.defaults.keyNames))
                } else {
                    unknownKey(setting, in: .defaults)
                }
            }
        }
        return defaults
    }

    mutating func readClients(_ entry: Entry, defaults: ClientDefaults) -> [ClientConfiguration] {
        guard
            let entries = entries(
                of: entry.value, path: entry.path, expected: "a mapping from each client's name to its settings")
        else { return [] }
        if entries.isEmpty {
            report(
                entry.keyNode, entry.path,
                "expected at least one client, such as `mod-client:` with its `client-id` and `token-uri`")
        }
        var clients: [ClientConfiguration] = []
        for client in entries {
            if client.key.trimmingCharacters(in: .whitespaces).isEmpty
                || client.key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            {
                report(client.keyNode, entry.path, "a client's name must be printable text, got \(Self.quoted(client.key))")
                continue
            }
            if let configuration = readClient(client, defaults: defaults) { clients.append(configuration) }
        }
        return clients
    }

    mutating func readClient(_ entry: Entry, defaults: ClientDefaults) -> ClientConfiguration? {
        let name = entry.key
        guard !Self.isNull(entry.value) else {
            report(
                entry.keyNode, entry.path,
                "has no settings; expected a mapping of the client's settings (`client-id`, `token-uri`, …)")
            return nil
        }
        guard
            let entries = entries(
                of: entry.value, path: entry.path,
                expected: "a mapping of the client's settings (`client-id`, `token-uri`, …)")
        else { return nil }
        var settings: [ConfigurationSchema.ClientKey: Entry] = [:]
        for setting in entries {
            if let key = ConfigurationSchema.ClientKey(rawValue: setting.key) {
                settings[key] = setting
            } else {
                unknownKey(setting, in: .client)
            }
        }
        let issuesBefore = issues.count

        var clientID = ""
        if let setting = settings[.clientID] {
            if let value = text(setting, expected: "the client's id as text") {
                if value.isEmpty {
                    report(setting.value, setting.path, "is empty; expected the id the authorization server gave this client")
                }
                clientID = value
            }
        } else {
            report(entry.keyNode, entry.path, "missing `client-id`; every client needs the id the authorization server gave it")
        }

        let endpointIssues = issues.count
        let issuerURI = url(settings[.issuerURI])
        let tokenURI = url(settings[.tokenURI])
        if issuerURI == nil && tokenURI == nil && issues.count == endpointIssues {
            report(
                entry.keyNode, entry.path,
                "missing `issuer-uri` (to discover the endpoints) or `token-uri`; one of them is required")
        }
        let introspectionURI = url(settings[.introspectionURI])
        let revocationURI = url(settings[.revocationURI])
        let jwkSetURI = url(settings[.jwkSetURI])
        let resourceURI = url(settings[.resourceURI])

        let credentials = readCredentials(settings, client: entry)
        if let setting = settings[.authorizationGrantType],
            let grant = text(setting, expected: "client_credentials"), !grant.isEmpty, grant != "client_credentials"
        {
            report(
                setting.value, setting.path,
                "tokentop uses only the client_credentials grant, got \(Self.quoted(grant))")
        }

        let scopes = words(settings[.scope], expected: "space-separated scopes or a list of scopes")
        var audience: String?
        if let setting = settings[.audience], let value = text(setting, expected: "the audience as text"), !value.isEmpty {
            audience = value
        }
        let resources = resourceIndicators(settings[.resource])
        let parameters = tokenParameters(settings[.tokenParameters])

        let pollInterval = duration(settings[.pollInterval]) ?? defaults.pollInterval
        let refreshSkew = duration(settings[.refreshSkew]) ?? defaults.refreshSkew
        let timeout = duration(settings[.timeout]) ?? defaults.timeout
        let historySize = historySize(settings[.historySize]) ?? defaults.historySize
        let credentialWarning = duration(settings[.credentialWarning]) ?? defaults.credentialWarning
        let secretExpiresAt = secretEnd(settings)
        var refreshMode = RefreshMode.automatic
        if let setting = settings[.refresh], let chosen = choice(setting, RefreshMode.self) { refreshMode = chosen }
        let caFile = existingFile(settings[.caFile], holding: "PEM certificates of trusted roots")
        let allowInsecureHTTP = bool(settings[.allowInsecureHTTP]) ?? false
        var expectedIssuer: String?
        if let setting = settings[.expectedIssuer], let value = text(setting, expected: "an issuer as text"), !value.isEmpty {
            expectedIssuer = value
        }
        var expectedAudiences: [String] = []
        if let setting = settings[.expectedAudience] {
            expectedAudiences = items(setting, expected: "the API's audience as text, or a list of them")
                .map(\.text).filter { !$0.isEmpty }
        }
        let dpop = bool(settings[.dpop]) ?? false
        let cache = bool(settings[.cache]) ?? false
        let dpopKeyFile = existingFile(settings[.dpopKeyFile], holding: "a PEM EC P-256 or RSA private key")
        if dpopKeyFile != nil, !dpop, let setting = settings[.dpopKeyFile] {
            warn(setting.keyNode, setting.path, "is only used with `dpop: true` and is ignored")
        }

        if !allowInsecureHTTP {
            let endpoints: [(ConfigurationSchema.ClientKey, URL?)] = [
                (.issuerURI, issuerURI), (.tokenURI, tokenURI), (.introspectionURI, introspectionURI),
                (.revocationURI, revocationURI), (.jwkSetURI, jwkSetURI), (.resourceURI, resourceURI),
            ]
            for (key, url) in endpoints {
                guard let url, let setting = settings[key], url.scheme?.lowercased() == "http",
                    !Loopback.isLoopbackHost(url.host ?? "")
                else { continue }
                report(
                    setting.value, setting.path,
                    "uses plain http to \(url.host ?? "a remote host"), which is not this machine; "
                        + "use https, or set `allow-insecure-http: true` for a test server")
            }
        }

        guard issues.count == issuesBefore else { return nil }
        return ClientConfiguration(
            name: name, issuerURI: issuerURI, tokenURI: tokenURI, introspectionURI: introspectionURI,
            revocationURI: revocationURI, jwkSetURI: jwkSetURI, clientID: clientID,
            clientSecret: credentials.secret, authenticationMethod: credentials.method,
            basicEncoding: credentials.basicEncoding, privateKeyFile: credentials.privateKeyFile, scopes: scopes,
            audience: audience, resources: resources, extraTokenParameters: parameters, resourceURI: resourceURI,
            pollInterval: pollInterval, refreshSkew: refreshSkew, refreshMode: refreshMode, caFile: caFile,
            allowInsecureHTTP: allowInsecureHTTP,
            timeout: timeout, historySize: historySize, expectedIssuer: expectedIssuer,
            clientAssertionAudience: credentials.assertionAudience, expectedAudiences: expectedAudiences,
            dpop: dpop, dpopKeyFile: dpopKeyFile, tlsClientCertificateFile: credentials.tlsCertificateFile,
            tlsClientKeyFile: credentials.tlsKeyFile, cache: cache, credentialWarning: credentialWarning,
            clientSecretExpiresAt: secretExpiresAt, clientAssertionCertificateFile: credentials.assertionCertificateFile,
            clientAssertionSHA1Thumbprint: credentials.assertionSHA1Thumbprint,
            federatedAssertion: credentials.federatedAssertion)
    }

    /// Action name to key, and where each entry is written: only the dashboard knows its
    /// actions and keys, and reports a wrong one at this place.
    mutating func readKeyBindings(_ entry: Entry) -> ([String: String], [String: SettingLocation]) {
        guard
            let entries = entries(
                of: entry.value, path: entry.path, expected: "a mapping from action name to key, such as `refresh: f`")
        else { return ([:], [:]) }
        var bindings: [String: String] = [:]
        var locations: [String: SettingLocation] = [:]
        for binding in entries {
            guard let key = text(binding, expected: "a key such as f or ctrl-r") else { continue }
            if key.isEmpty {
                report(binding.value, binding.path, "expected a key such as f or ctrl-r, got nothing")
            } else {
                bindings[binding.key] = key
                locations[binding.key] = location(of: binding)
            }
        }
        return (bindings, locations)
    }

    func location(of entry: Entry) -> SettingLocation {
        let position: (Node) -> SettingLocation.Position? = { node in
            node.mark.map { SettingLocation.Position(line: $0.line, column: $0.column) }
        }
        return SettingLocation(file: file, keyPath: entry.path, key: position(entry.keyNode), value: position(entry.value))
    }

    // MARK: - Structure

    /// A mapping's entries in file order, with YAML merge keys (`<<: *anchor`) applied; a null
    /// value is an empty mapping. Nil after reporting when the node is not a mapping, or when
    /// merges nest past `depth` or expand the file past the reading guard's bounds.
    mutating func entries(of node: Node, path: String, expected: String, depth: Int = 1) -> [Entry]? {
        if Self.isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected \(expected), got \(Self.describe(node))")
            return nil
        }
        guard withinBounds(node, path, depth: depth, units: max(1, mapping.count)) else { return nil }
        var own: [Entry] = []
        var merged: [Entry] = []
        var mergedKeys: Set<String> = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                report(keyNode, path, "expected a plain key, got \(Self.describe(keyNode))")
                continue
            }
            if key.string == "<<" && key.style == .plain {
                let sources: [Node]
                if case .sequence(let list) = value { sources = Array(list) } else { sources = [value] }
                for source in sources {
                    for entry in entries(of: source, path: path, expected: "a mapping to merge with `<<`", depth: depth + 1) ?? []
                    where mergedKeys.insert(entry.key).inserted {
                        merged.append(entry)
                    }
                }
                continue
            }
            own.append(
                Entry(
                    key: key.string, keyNode: keyNode, value: value,
                    path: path.isEmpty ? key.string : "\(path).\(key.string)"))
        }
        guard !merged.isEmpty else { return own }
        let ownKeys = Set(own.map(\.key))
        return own + merged.filter { !ownKeys.contains($0.key) }
    }

    /// False after reporting, once, when merges nest too deep or the file expands too far.
    mutating func withinBounds(_ node: Node, _ path: String, depth: Int, units: Int) -> Bool {
        guard !outOfBounds else { return false }
        let place = ReadingGuard.Place(file: file, line: node.mark?.line, column: node.mark?.column, keyPath: path)
        do {
            try readingGuard.enter(depth: depth, at: place, "mappings merged with `<<`")
            try readingGuard.spend(units, at: place, "merge keys (`<<: *anchor`)")
            return true
        } catch {
            issues += error.issues
            issuesUpToBound = issues
            return false
        }
    }

    mutating func unknownKey(_ entry: Entry, in section: ConfigurationSchema.Section) {
        var message = "unknown key `\(entry.key)` \(section.place)"
        if let suggestion = section.suggestion(for: entry.key) {
            message += "; did you mean `\(suggestion)`?"
        } else {
            message += "; expected one of \(Self.list(section.keyNames))"
        }
        report(entry.keyNode, entry.path, message)
    }

    mutating func report(_ node: Node, _ path: String, _ message: String) {
        issues.append(
            ConfigurationIssue(
                file: file, line: node.mark?.line, column: node.mark?.column, keyPath: path, message: message))
    }

    mutating func warn(_ node: Node, _ path: String, _ message: String) {
        warnings.append(
            ConfigurationIssue(
                file: file, line: node.mark?.line, column: node.mark?.column, keyPath: path, message: message))
    }

    // MARK: - Helpers

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return isNull(node) ? "nothing" : quoted(scalar.string)
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// A value quoted for a message: control characters escaped, long text shortened.
    static func quoted(_ text: String) -> String {
        var shown = ""
        for scalar in text.unicodeScalars.prefix(60) {
            if scalar.properties.generalCategory == .control || scalar.value == 0x7F {
                shown += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        if text.unicodeScalars.count > 60 { shown += "…" }
        return "\"\(shown)\""
    }

    static func list(_ names: [String]) -> String {
        names.map { "`\($0)`" }.joined(separator: ", ")
    }

    /// Issues sorted by line and column, keeping the order found for ties.
    static func inFileOrder(_ issues: [ConfigurationIssue]) -> [ConfigurationIssue] {
        issues.enumerated().sorted { a, b in
            let left = (a.element.line ?? 0, a.element.column ?? 0, a.offset)
            let right = (b.element.line ?? 0, b.element.column ?? 0, b.offset)
            return left < right
        }.map(\.element)
    }
}
