// Longer than 500 lines on purpose, for now: every key of the schema is read and checked in this one pass, so
// that every problem is reported at once with its file:line:key. Splitting it by section (clients, defaults,
// merge keys) is part of issue 19's remaining work.
import Foundation
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
    private(set) var clientsWithSecretsInFile: [String] = []
    /// How deep merge keys may go and how much they may expand the file.
    private var readingGuard = ReadingGuard(counting: "values")
    /// The issues found before a bound was met, and that bound's: what the reader found after
    /// it, missing what the bound cut off, would be wrong.
    private var issuesUpToBound: [ConfigurationIssue]?
    private var outOfBounds: Bool { issuesUpToBound != nil }

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
        self.baseDirectory = (file as NSString).deletingLastPathComponent
    }

    /// The whole configuration, or nil when any issue was found.
    mutating func read(_ root: Node?) -> TokentopConfiguration? {
        guard let root, !Self.isNull(root) else {
            issues.append(ConfigurationIssue(
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
                report(entry.keyNode, entry.path,
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
            issues.append(ConfigurationIssue(
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
            if chosen == .keyring {
                report(entry.value, entry.path,
                       "`keyring` (Secret Service over D-Bus) is not available in this build of tokentop; remove the "
                       + "setting or write `plaintext`: tokens then rest in 0600 files in a 0700 folder (see the README)")
            }
        }
        issues = Self.inFileOrder(issuesUpToBound ?? issues)
        guard issues.isEmpty else { return nil }
        return TokentopConfiguration(
            sourcePath: file, defaults: defaults, clients: clients, theme: theme, keyBindings: keyBindings, mouse: mouse,
            keyBindingLocations: keyBindingLocations, themeLocation: themeLocation, cacheEncryption: cacheEncryption)
    }

    // MARK: - Sections

    private mutating func readDefaults(_ entry: Entry) -> ClientDefaults {
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
                    report(setting.keyNode, setting.path,
                           "`\(setting.key)` has no default; `defaults:` takes "
                           + Self.list(ConfigurationSchema.Section.defaults.keyNames))
                } else {
                    unknownKey(setting, in: .defaults)
                }
            }
        }
        return defaults
    }

    private mutating func readClients(_ entry: Entry, defaults: ClientDefaults) -> [ClientConfiguration] {
        guard let entries = entries(
            of: entry.value, path: entry.path, expected: "a mapping from each client's name to its settings")
        else { return [] }
        if entries.isEmpty {
            report(entry.keyNode, entry.path,
                   "expected at least one client, such as `mod-client:` with its `client-id` and `token-uri`")
        }
        var clients: [ClientConfiguration] = []
        for client in entries {
            if client.key.trimmingCharacters(in: .whitespaces).isEmpty
                || client.key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                report(client.keyNode, entry.path, "a client's name must be printable text, got \(Self.quoted(client.key))")
                continue
            }
            if let configuration = readClient(client, defaults: defaults) { clients.append(configuration) }
        }
        return clients
    }

    private mutating func readClient(_ entry: Entry, defaults: ClientDefaults) -> ClientConfiguration? {
        let name = entry.key
        guard !Self.isNull(entry.value) else {
            report(entry.keyNode, entry.path,
                   "has no settings; expected a mapping of the client's settings (`client-id`, `token-uri`, …)")
            return nil
        }
        guard let entries = entries(
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
            report(entry.keyNode, entry.path,
                   "missing `issuer-uri` (to discover the endpoints) or `token-uri`; one of them is required")
        }
        let introspectionURI = url(settings[.introspectionURI])
        let revocationURI = url(settings[.revocationURI])
        let jwkSetURI = url(settings[.jwkSetURI])
        let resourceURI = url(settings[.resourceURI])

        let credentials = readCredentials(settings, client: entry)
        if let setting = settings[.authorizationGrantType],
           let grant = text(setting, expected: "client_credentials"), !grant.isEmpty, grant != "client_credentials" {
            report(setting.value, setting.path,
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
                      !Loopback.isLoopbackHost(url.host ?? "") else { continue }
                report(setting.value, setting.path,
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
            pollInterval: pollInterval, refreshSkew: refreshSkew, refreshMode: refreshMode, caFile: caFile, allowInsecureHTTP: allowInsecureHTTP,
            timeout: timeout, historySize: historySize, expectedIssuer: expectedIssuer,
            clientAssertionAudience: credentials.assertionAudience, expectedAudiences: expectedAudiences,
            dpop: dpop, dpopKeyFile: dpopKeyFile, tlsClientCertificateFile: credentials.tlsCertificateFile,
            tlsClientKeyFile: credentials.tlsKeyFile, cache: cache, credentialWarning: credentialWarning,
            clientSecretExpiresAt: secretExpiresAt, clientAssertionCertificateFile: credentials.assertionCertificateFile,
            clientAssertionSHA1Thumbprint: credentials.assertionSHA1Thumbprint,
            federatedAssertion: credentials.federatedAssertion)
    }

    /// When the client secret ends: `client-secret-expires-at`, or `client_secret_expires_at` of the
    /// RFC 7591 registration response in `client-registration-file` (0 there: it never ends).
    private mutating func secretEnd(_ settings: [ConfigurationSchema.ClientKey: Entry]) -> Date? {
        let expectation = ConfigurationSchema.ValueKind.date.description
        if let setting = settings[.clientSecretExpiresAt], let registration = settings[.clientRegistrationFile] {
            report(registration.keyNode, registration.path,
                   "only one of `client-secret-expires-at` and `client-registration-file` may be set, "
                   + "and `\(setting.key)` is already set")
            return nil
        }
        if let setting = settings[.clientSecretExpiresAt], let value = text(setting, expected: expectation), !value.isEmpty {
            guard let date = Self.date(value) else {
                report(setting.value, setting.path, "expected \(expectation), got \(Self.quoted(value))")
                return nil
            }
            return date
        }
        guard let setting = settings[.clientRegistrationFile],
              let path = existingFile(setting, holding: "an RFC 7591 client registration response (JSON)")
        else { return nil }
        let problem: String
        do {
            let data = try LocalFile.read(path, limit: 1 << 20)
            guard let response = try? JSONDecoder().decode(RegistrationResponse.self, from: data) else {
                throw ClientRegistrationProblem("is not an RFC 7591 registration response (a JSON object)")
            }
            guard let seconds = response.secretExpiresAt else {
                throw ClientRegistrationProblem("has no number `client_secret_expires_at` (RFC 7591 §3.2.1)")
            }
            // RFC 7591: 0 means the secret does not expire. Beyond the year 9999 is no date.
            guard seconds.isFinite, seconds >= 0, seconds < 253_402_300_800 else {
                throw ClientRegistrationProblem("has `client_secret_expires_at` \(seconds), which is no time in seconds")
            }
            return seconds == 0 ? nil : Date(timeIntervalSince1970: seconds)
        } catch let error as ClientRegistrationProblem {
            problem = error.message
        } catch {
            problem = "is not readable (\(error))"
        }
        report(setting.value, setting.path, "\(path) \(problem)")
        return nil
    }

    /// `2027-03-31` (midnight UTC) or an RFC 3339 date and time.
    static func date(_ text: String) -> Date? {
        let dateTime = ISO8601DateFormatter()
        if let date = dateTime.date(from: text) { return date }
        dateTime.formatOptions.insert(.withFractionalSeconds)
        if let date = dateTime.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return text.count == 10 ? day.date(from: text) : nil
    }

    /// How the client proves its identity: at most one secret source (one is required unless
    /// the client signs with `private_key_jwt` or presents a TLS certificate), the method, the
    /// private key and the assertion's audience, and the TLS client certificate.
    private mutating func readCredentials(_ settings: [ConfigurationSchema.ClientKey: Entry], client entry: Entry) -> Credentials {
        let secretIssues = issues.count
        var secrets: [(entry: Entry, source: SecretSource)] = []
        if let setting = settings[.clientSecret], let secret = expanded(setting, expected: "the client secret as text"),
           !secret.value.isEmpty {
            secrets.append((setting, .inline(secret.value)))
            if !secret.literal.isEmpty { clientsWithSecretsInFile.append(entry.key) }
        }
        if let setting = settings[.clientSecretFile], let path = text(setting, expected: "a file's path"), !path.isEmpty {
            secrets.append((setting, .file(path: resolvedPath(path))))
        }
        if let setting = settings[.clientSecretCommand],
           let command = text(setting, expected: "a shell command", allowingControlCharacters: true),
           !command.trimmingCharacters(in: .whitespaces).isEmpty {
            secrets.append((setting, .command(command)))
        }
        secrets.sort { ($0.entry.keyNode.mark?.line ?? 0) < ($1.entry.keyNode.mark?.line ?? 0) }
        for extra in secrets.dropFirst() {
            report(extra.entry.keyNode, extra.entry.path,
                   "only one of `client-secret`, `client-secret-file` and `client-secret-command` may be set, "
                   + "and `\(secrets[0].entry.key)` is already set")
        }

        let federated = federatedAssertion(settings)
        // A client that sends an assertion made elsewhere uses private_key_jwt's parameters.
        var method = federated == .none ? ClientAuthenticationMethod.clientSecretBasic : .privateKeyJWT
        if let setting = settings[.clientAuthenticationMethod],
           let chosen = choice(setting, ClientAuthenticationMethod.self) {
            method = chosen
            if federated != .none, chosen != .privateKeyJWT {
                report(setting.value, setting.path,
                       "a client with `client-assertion-file` or `client-assertion-command` sends that assertion: "
                       + "write `private_key_jwt` or leave the method unset")
            }
        }
        var basicEncoding = BasicCredentialEncoding.formURLEncoded
        if let setting = settings[.clientSecretBasicEncoding],
           let chosen = choice(setting, BasicCredentialEncoding.self) {
            basicEncoding = chosen
        }
        let keyIssues = issues.count
        let privateKeyFile = existingFile(settings[.privateKeyFile], holding: "a PEM RSA or EC P-256 private key")
        if method == .privateKeyJWT {
            if federated != .none, privateKeyFile != nil, let setting = settings[.privateKeyFile] {
                report(setting.keyNode, setting.path,
                       "only one of `private-key-file` (tokentop signs the assertion) and `client-assertion-file` or "
                       + "`client-assertion-command` (the assertion is made elsewhere) may be set")
            }
            if federated == .none, privateKeyFile == nil && issues.count == keyIssues,
               let setting = settings[.clientAuthenticationMethod] {
                report(setting.value, setting.path,
                       "private_key_jwt needs `private-key-file`, a PEM RSA or EC P-256 private key")
            }
            if let unused = secrets.first {
                warn(unused.entry.keyNode, unused.entry.path, "is not used with private_key_jwt and is ignored")
            }
        } else {
            if method.authenticatesWithTLSCertificate {
                if let unused = secrets.first {
                    warn(unused.entry.keyNode, unused.entry.path, "is not used with \(method.rawValue) and is ignored")
                }
            } else if secrets.isEmpty && issues.count == secretIssues,
               let empty = ConfigurationSchema.ClientKey.secretSources.compactMap({ settings[$0] }).first {
                report(empty.value, empty.path,
                       "is empty, and no other client secret is set; expected the secret, "
                       + "or one of `client-secret-file` and `client-secret-command`")
            } else if secrets.isEmpty && issues.count == secretIssues {
                report(entry.keyNode, entry.path,
                       "missing a client secret: set `client-secret` (for example ${MOD_CLIENT_SECRET}), "
                       + "`client-secret-file` or `client-secret-command`, or use private_key_jwt")
            }
            if privateKeyFile != nil, let setting = settings[.privateKeyFile] {
                warn(setting.keyNode, setting.path,
                     "is only used with `client-authentication-method: private_key_jwt` and is ignored")
            }
        }
        let (certificateFile, tlsKeyFile) = tlsClientCertificate(settings, method: method)
        let assertionCertificate = existingFile(
            settings[.clientAssertionCertificateFile], holding: "the PEM certificate of `private-key-file`")
        let sha1Thumbprint = bool(settings[.clientAssertionSHA1Thumbprint]) ?? false
        if method != .privateKeyJWT {
            for key in [ConfigurationSchema.ClientKey.clientAssertionCertificateFile, .clientAssertionSHA1Thumbprint] {
                guard let setting = settings[key] else { continue }
                warn(setting.keyNode, setting.path,
                     "is only used with `client-authentication-method: private_key_jwt` and is ignored")
            }
        } else if sha1Thumbprint, assertionCertificate == nil, let setting = settings[.clientAssertionSHA1Thumbprint] {
            report(setting.keyNode, setting.path,
                   "needs `client-assertion-certificate-file`, the certificate whose thumbprint it names")
        }
        return Credentials(
            secret: secrets.first?.source ?? .none, method: method, basicEncoding: basicEncoding,
            privateKeyFile: privateKeyFile, assertionAudience: assertionAudience(settings, method: method),
            tlsCertificateFile: certificateFile, tlsKeyFile: tlsKeyFile,
            assertionCertificateFile: assertionCertificate, assertionSHA1Thumbprint: sha1Thumbprint,
            federatedAssertion: federated)
    }

    /// `client-assertion-file` or `client-assertion-command`: at most one.
    private mutating func federatedAssertion(_ settings: [ConfigurationSchema.ClientKey: Entry]) -> SecretSource {
        let file = existingFile(settings[.clientAssertionFile], holding: "a client assertion (a JWT)")
        var command: String?
        if let setting = settings[.clientAssertionCommand],
           let text = text(setting, expected: "a shell command", allowingControlCharacters: true),
           !text.trimmingCharacters(in: .whitespaces).isEmpty {
            command = text
        }
        if let file, command != nil, let setting = settings[.clientAssertionCommand] {
            report(setting.keyNode, setting.path,
                   "only one of `client-assertion-file` and `client-assertion-command` may be set, and "
                   + "`client-assertion-file` is already set (\(file))")
            return .none
        }
        if let file { return .file(path: file) }
        if let command { return .command(command) }
        return .none
    }

    /// `client-assertion-audience`: a keyword or an absolute URL, used only with private_key_jwt.
    private mutating func assertionAudience(
        _ settings: [ConfigurationSchema.ClientKey: Entry], method: ClientAuthenticationMethod
    ) -> ClientAssertionAudience? {
        let keywords = ClientAssertionAudience.keywords
        let expectation = Self.list(keywords) + ", or an absolute http or https URL"
        guard let setting = settings[.clientAssertionAudience],
              let value = text(setting, expected: expectation), !value.isEmpty else { return nil }
        let audience: ClientAssertionAudience
        switch value {
        case "endpoint": audience = .endpoint
        case "token-endpoint": audience = .tokenEndpoint
        case "issuer": audience = .issuer
        default:
            guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = url.host, !host.isEmpty else {
                var message = "expected \(expectation), got \(Self.quoted(value))"
                if let suggestion = KeySuggestion.closest(to: value, among: keywords) {
                    message += "; did you mean `\(suggestion)`?"
                }
                report(setting.value, setting.path, message)
                return nil
            }
            audience = .url(url)
        }
        if audience == .issuer && settings[.issuerURI] == nil && settings[.expectedIssuer] == nil {
            report(setting.value, setting.path,
                   "`issuer` needs the authorization server's issuer: set `issuer-uri` or `expected-issuer`")
            return nil
        }
        if method != .privateKeyJWT {
            warn(setting.keyNode, setting.path,
                 "is only used with `client-authentication-method: private_key_jwt` and is ignored")
        }
        return audience
    }

    /// `tls-client-certificate-file` and `tls-client-key-file`: both or neither; required by
    /// the methods that authenticate with the certificate, and otherwise used for mTLS to the API.
    private mutating func tlsClientCertificate(
        _ settings: [ConfigurationSchema.ClientKey: Entry], method: ClientAuthenticationMethod
    ) -> (certificate: String?, key: String?) {
        let fileIssues = issues.count
        let certificate = existingFile(settings[.tlsClientCertificateFile], holding: "the client's PEM certificate")
        let key = existingFile(settings[.tlsClientKeyFile], holding: "the PEM private key of the client's certificate")
        guard issues.count == fileIssues else { return (nil, nil) }
        if method.authenticatesWithTLSCertificate, certificate == nil || key == nil,
           let setting = settings[.clientAuthenticationMethod] {
            let missing = [
                certificate == nil ? "`tls-client-certificate-file` (the client's PEM certificate)" : nil,
                key == nil ? "`tls-client-key-file` (the certificate's PEM private key)" : nil,
            ].compactMap { $0 }
            report(setting.value, setting.path, "\(method.rawValue) needs " + missing.joined(separator: " and "))
            return (nil, nil)
        }
        if certificate != nil, key == nil, let setting = settings[.tlsClientCertificateFile] {
            report(setting.keyNode, setting.path, "needs `tls-client-key-file` too, the certificate's PEM private key")
            return (nil, nil)
        }
        if key != nil, certificate == nil, let setting = settings[.tlsClientKeyFile] {
            report(setting.keyNode, setting.path, "needs `tls-client-certificate-file` too, the PEM certificate of this key")
            return (nil, nil)
        }
        // Checked here, at its line: a key type the TLS library cannot use would otherwise stop
        // the first token request (an Ed25519 key traps inside swift-nio-ssl).
        if let certificate, let setting = settings[.tlsClientCertificateFile],
            let problem = ClientCertificateKeyType.problem(inCertificateFile: certificate)
        {
            report(setting.value, setting.path, "\(certificate) \(problem)")
            return (nil, nil)
        }
        return (certificate, key)
    }

    /// Action name to key, and where each entry is written: only the dashboard knows its
    /// actions and keys, and reports a wrong one at this place.
    private mutating func readKeyBindings(_ entry: Entry) -> ([String: String], [String: SettingLocation]) {
        guard let entries = entries(
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

    private func location(of entry: Entry) -> SettingLocation {
        let position: (Node) -> SettingLocation.Position? = { node in
            node.mark.map { SettingLocation.Position(line: $0.line, column: $0.column) }
        }
        return SettingLocation(file: file, keyPath: entry.path, key: position(entry.keyNode), value: position(entry.value))
    }

    // MARK: - Values

    private mutating func tokenParameters(_ entry: Entry?) -> [String: String] {
        guard let entry, let entries = entries(
            of: entry.value, path: entry.path, expected: "a mapping of extra form parameters, such as `foo: bar`")
        else { return [:] }
        var parameters: [String: String] = [:]
        for parameter in entries {
            if Self.reservedTokenParameters.contains(parameter.key) {
                report(parameter.keyNode, parameter.path,
                       "`\(parameter.key)` is set by tokentop itself and cannot be replaced here")
                continue
            }
            if let value = text(parameter, expected: "the parameter's value as text") { parameters[parameter.key] = value }
        }
        return parameters
    }

    private mutating func resourceIndicators(_ entry: Entry?) -> [String] {
        guard let entry else { return [] }
        var resources: [String] = []
        for item in items(entry, expected: "an absolute URI or a list of them") where !item.text.isEmpty {
            guard let url = URL(string: item.text), let scheme = url.scheme, !scheme.isEmpty, url.fragment == nil else {
                report(item.node, item.path,
                       "expected an absolute URI without a #fragment (RFC 8707), such as https://api.example.com, "
                       + "got \(Self.quoted(item.text))")
                continue
            }
            resources.append(item.text)
        }
        return resources
    }

    private mutating func words(_ entry: Entry?, expected: String) -> [String] {
        guard let entry else { return [] }
        return items(entry, expected: expected).flatMap { $0.text.split(whereSeparator: \.isWhitespace).map(String.init) }
    }

    /// A scalar as one item, or a list of scalars.
    private mutating func items(_ entry: Entry, expected: String) -> [(text: String, node: Node, path: String)] {
        switch entry.value {
        case .sequence(let sequence):
            var result: [(text: String, node: Node, path: String)] = []
            for (index, element) in sequence.enumerated() {
                let item = Entry(key: entry.key, keyNode: entry.keyNode, value: element, path: "\(entry.path)[\(index)]")
                if let value = text(item, expected: expected) { result.append((value, element, item.path)) }
            }
            return result
        default:
            guard let value = text(entry, expected: expected) else { return [] }
            return [(value, entry.value, entry.path)]
        }
    }

    private mutating func url(_ entry: Entry?) -> URL? {
        guard let entry, let value = text(entry, expected: "an absolute http or https URL"), !value.isEmpty else {
            return nil
        }
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            report(entry.value, entry.path,
                   "expected an absolute http or https URL, such as https://dev-123.okta.com/oauth2/default, "
                   + "got \(Self.quoted(value))")
            return nil
        }
        return url
    }

    private mutating func duration(_ entry: Entry?) -> Duration? {
        guard let entry, let value = text(entry, expected: "a duration such as 10s or 5m"), !value.isEmpty else {
            return nil
        }
        guard let duration = Duration(configText: value) else {
            report(entry.value, entry.path,
                   "expected a duration such as 500ms, 30s, 5m or 1h30m (a bare number is seconds), got \(Self.quoted(value))")
            return nil
        }
        guard duration > .zero else {
            report(entry.value, entry.path, "must be a positive duration such as 30s, got \(Self.quoted(value))")
            return nil
        }
        return duration
    }

    private mutating func historySize(_ entry: Entry?) -> Int? {
        let expectation = "a whole number from 1 to \(ConfigurationSchema.maximumHistorySize)"
        guard let entry, let value = text(entry, expected: expectation), !value.isEmpty else { return nil }
        guard let number = Int(value), (1...ConfigurationSchema.maximumHistorySize).contains(number) else {
            report(entry.value, entry.path, "expected \(expectation), got \(Self.quoted(value))")
            return nil
        }
        return number
    }

    private mutating func bool(_ entry: Entry?) -> Bool? {
        guard let entry, let value = text(entry, expected: "true or false"), !value.isEmpty else { return nil }
        switch value.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report(entry.value, entry.path, "expected true or false, got \(Self.quoted(value))")
            return nil
        }
    }

    private mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ entry: Entry, _ type: Choice.Type
    ) -> Choice? where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        guard let value = text(entry, expected: "one of \(Self.list(names))"), !value.isEmpty else { return nil }
        if let chosen = Choice(rawValue: value) { return chosen }
        var message = "expected one of \(Self.list(names)), got \(Self.quoted(value))"
        if let suggestion = KeySuggestion.closest(to: value, among: names) { message += "; did you mean `\(suggestion)`?" }
        report(entry.value, entry.path, message)
        return nil
    }

    /// A readable, regular file's path, resolved against the configuration file's folder.
    private mutating func existingFile(_ entry: Entry?, holding contents: String) -> String? {
        guard let entry, let value = text(entry, expected: "a file's path"), !value.isEmpty else { return nil }
        let path = resolvedPath(value)
        do {
            try LocalFile.requireReadable(path)
        } catch {
            // A FIFO or a device is refused here, at load, rather than hanging the first fetch.
            report(
                entry.value, entry.path,
                error.isMissing ? "no such file: \(path) (expected \(contents))" : "\(error) (expected a file holding \(contents))")
            return nil
        }
        return path
    }

    /// `~/` is the home folder; a relative path is taken from the configuration file's folder.
    private func resolvedPath(_ text: String) -> String {
        var path = text
        if path == "~" || path.hasPrefix("~/"), let home = environment["HOME"], !home.isEmpty {
            path = home + path.dropFirst()
        }
        if !path.hasPrefix("/") && !baseDirectory.isEmpty {
            path = baseDirectory + "/" + path
        }
        return path
    }

    /// A scalar's text with `${VAR}` expanded: nil after reporting when it is not a scalar or
    /// expansion fails, empty when the value is empty or null.
    /// Control characters are refused (a shell command may span lines): values end up on screen.
    private mutating func text(_ entry: Entry, expected: String, allowingControlCharacters: Bool = false) -> String? {
        guard let value = expanded(entry, expected: expected)?.value else { return nil }
        if !allowingControlCharacters,
           value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            report(entry.value, entry.path, "expected \(expected) without control characters, got \(Self.quoted(value))")
            return nil
        }
        return value
    }

    private mutating func expanded(_ entry: Entry, expected: String) -> VariableExpansion.Expanded? {
        guard case .scalar(let scalar) = entry.value else {
            report(entry.value, entry.path, "expected \(expected), got \(Self.describe(entry.value))")
            return nil
        }
        if Self.isNull(entry.value) { return VariableExpansion.Expanded(value: "", literal: "") }
        switch VariableExpansion.expand(scalar.string, environment: environment) {
        case .success(let expanded):
            return expanded
        case .failure(let failure):
            report(entry.value, entry.path, failure.message)
            return nil
        }
    }

    // MARK: - Structure

    /// A mapping's entries in file order, with YAML merge keys (`<<: *anchor`) applied; a null
    /// value is an empty mapping. Nil after reporting when the node is not a mapping, or when
    /// merges nest past `depth` or expand the file past the reading guard's bounds.
    private mutating func entries(of node: Node, path: String, expected: String, depth: Int = 1) -> [Entry]? {
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
            own.append(Entry(key: key.string, keyNode: keyNode, value: value,
                             path: path.isEmpty ? key.string : "\(path).\(key.string)"))
        }
        guard !merged.isEmpty else { return own }
        let ownKeys = Set(own.map(\.key))
        return own + merged.filter { !ownKeys.contains($0.key) }
    }

    /// False after reporting, once, when merges nest too deep or the file expands too far.
    private mutating func withinBounds(_ node: Node, _ path: String, depth: Int, units: Int) -> Bool {
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

    private mutating func unknownKey(_ entry: Entry, in section: ConfigurationSchema.Section) {
        var message = "unknown key `\(entry.key)` \(section.place)"
        if let suggestion = section.suggestion(for: entry.key) {
            message += "; did you mean `\(suggestion)`?"
        } else {
            message += "; expected one of \(Self.list(section.keyNames))"
        }
        report(entry.keyNode, entry.path, message)
    }

    private mutating func report(_ node: Node, _ path: String, _ message: String) {
        issues.append(ConfigurationIssue(
            file: file, line: node.mark?.line, column: node.mark?.column, keyPath: path, message: message))
    }

    private mutating func warn(_ node: Node, _ path: String, _ message: String) {
        warnings.append(ConfigurationIssue(
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
