import TokenModel

/// The keys tokentop's configuration file knows, where each may appear, and what each expects.
///
/// One list, used by the reader (unknown keys), by "did you mean" suggestions, and by anything
/// that writes or imports configuration (the demo's config writer, the Spring Boot importer), so
/// a key's spelling lives in one place.
public enum ConfigurationSchema {
    /// A place in the file where keys appear.
    public enum Section: String, Sendable, CaseIterable {
        /// The top level of the file.
        case topLevel
        /// Under `defaults:`.
        case defaults
        /// Under `clients:` and a client's name.
        case client

        /// The keys this section takes, in the order the key reference documents them.
        public var keyNames: [String] {
            switch self {
            case .topLevel: return TopLevelKey.allCases.map(\.rawValue)
            case .defaults: return DefaultsKey.allCases.map(\.rawValue)
            case .client: return ClientKey.allCases.map(\.rawValue)
            }
        }

        /// What the value of `key` in this section must be; nil for a key the section does not take.
        public func expectation(of key: String) -> ValueKind? {
            switch self {
            case .topLevel: return TopLevelKey(rawValue: key)?.expects
            case .defaults: return DefaultsKey(rawValue: key)?.expects
            case .client: return ClientKey(rawValue: key)?.expects
            }
        }

        /// The key a user most likely meant by `word` (a typo, `clientId`, `client_id`), if any.
        public func suggestion(for word: String) -> String? {
            KeySuggestion.closest(to: word, among: keyNames)
        }

        /// How messages name the section: "at the top level", "under `defaults:`", "for a client".
        var place: String {
            switch self {
            case .topLevel: return "at the top level"
            case .defaults: return "under `defaults:`"
            case .client: return "for a client"
            }
        }
    }

    /// What a key's value must be.
    public enum ValueKind: Sendable, Equatable, CustomStringConvertible {
        /// Any text without control characters (after `${VAR}` expansion).
        case text
        /// A secret as text; best written as `${VAR}`, never copied in plain text by a writer.
        case secret
        /// A shell command run with `/bin/sh -c`.
        case shellCommand
        /// An absolute http or https URL.
        case url
        /// An absolute URI, or a list of them.
        case uriList
        /// Text, or a list of texts.
        case textOrList
        /// Space-separated words, or a list of words.
        case words
        /// A duration such as `500ms`, `30s` or `1h30m` (see `Duration(configText:)`).
        case duration
        /// A whole number in the range.
        case wholeNumber(ClosedRange<Int>)
        /// `true` or `false`.
        case boolean
        /// A date (`2027-03-31`, midnight UTC) or an RFC 3339 date and time.
        case date
        /// One of these words.
        case choice([String])
        /// One of these words, or an absolute http or https URL.
        case choiceOrURL([String])
        /// The path of a readable file, relative to the configuration file's folder or `~/`.
        case file
        /// A mapping whose keys are names the file chooses (clients, actions, form parameters).
        case mapping(of: String)

        /// What the value should look like, as messages and the key reference say it.
        public var description: String {
            switch self {
            case .text: return "text"
            case .secret: return "the secret as text, such as ${MOD_CLIENT_SECRET}"
            case .shellCommand: return "a shell command that prints the secret"
            case .url: return "an absolute http or https URL"
            case .uriList: return "an absolute URI or a list of them"
            case .textOrList: return "text or a list of texts"
            case .words: return "space-separated words or a list of them"
            case .duration: return "a duration such as 500ms, 30s, 5m or 1h30m"
            case .wholeNumber(let range): return "a whole number from \(range.lowerBound) to \(range.upperBound)"
            case .boolean: return "true or false"
            case .date: return "a date such as 2027-03-31 or 2027-03-31T12:00:00Z"
            case .choice(let names): return "one of " + names.map { "`\($0)`" }.joined(separator: ", ")
            case .choiceOrURL(let names):
                return "one of " + names.map { "`\($0)`" }.joined(separator: ", ") + ", or an absolute URL"
            case .file: return "a readable file's path"
            case .mapping(let contents): return "a mapping of \(contents)"
            }
        }
    }

    /// Keys at the top level of the file.
    public enum TopLevelKey: String, Sendable, CaseIterable {
        case defaults
        case clients
        case theme
        case keys
        case mouse
        case cacheEncryption = "cache-encryption"

        /// What the value must be.
        public var expects: ValueKind {
            switch self {
            case .mouse: return .boolean
            case .cacheEncryption: return .choice(CacheEncryption.allCases.map(\.rawValue))
            case .defaults: return .mapping(of: "default client settings")
            case .clients: return .mapping(of: "client names to their settings")
            case .theme: return .text
            case .keys: return .mapping(of: "dashboard action names to keys")
            }
        }
    }

    /// Keys under `defaults:`: each is also a client key, which overrides it.
    public enum DefaultsKey: String, Sendable, CaseIterable {
        case refreshSkew = "refresh-skew"
        case pollInterval = "poll-interval"
        case timeout
        case historySize = "history-size"
        case credentialWarning = "credential-warning"

        /// What the value must be.
        public var expects: ValueKind {
            switch self {
            case .refreshSkew, .pollInterval, .timeout, .credentialWarning: return .duration
            case .historySize: return .wholeNumber(1...ConfigurationSchema.maximumHistorySize)
            }
        }
    }

    /// Keys of one client. Names follow Spring Boot's OAuth2 client registration properties.
    public enum ClientKey: String, Sendable, CaseIterable {
        case issuerURI = "issuer-uri"
        case tokenURI = "token-uri"
        case introspectionURI = "introspection-uri"
        case revocationURI = "revocation-uri"
        case jwkSetURI = "jwk-set-uri"
        case clientID = "client-id"
        case clientSecret = "client-secret"
        case clientSecretFile = "client-secret-file"
        case clientSecretCommand = "client-secret-command"
        case clientAuthenticationMethod = "client-authentication-method"
        case clientSecretBasicEncoding = "client-secret-basic-encoding"
        case privateKeyFile = "private-key-file"
        case authorizationGrantType = "authorization-grant-type"
        case scope
        case audience
        case resource
        case tokenParameters = "token-parameters"
        case resourceURI = "resource-uri"
        case pollInterval = "poll-interval"
        case refreshSkew = "refresh-skew"
        case refresh
        case caFile = "ca-file"
        case allowInsecureHTTP = "allow-insecure-http"
        case timeout
        case historySize = "history-size"
        case expectedIssuer = "expected-issuer"
        case expectedAudience = "expected-audience"
        case clientAssertionAudience = "client-assertion-audience"
        case dpop
        case dpopKeyFile = "dpop-key-file"
        case tlsClientCertificateFile = "tls-client-certificate-file"
        case tlsClientKeyFile = "tls-client-key-file"
        case cache
        case credentialWarning = "credential-warning"
        case clientSecretExpiresAt = "client-secret-expires-at"
        case clientRegistrationFile = "client-registration-file"
        case clientAssertionCertificateFile = "client-assertion-certificate-file"
        case clientAssertionSHA1Thumbprint = "client-assertion-x5t"
        case clientAssertionFile = "client-assertion-file"
        case clientAssertionCommand = "client-assertion-command"

        /// What the value must be.
        public var expects: ValueKind {
            switch self {
            case .issuerURI, .tokenURI, .introspectionURI, .revocationURI, .jwkSetURI, .resourceURI: return .url
            case .clientID, .audience, .expectedIssuer: return .text
            case .clientSecret: return .secret
            case .clientSecretFile, .privateKeyFile, .caFile, .dpopKeyFile, .tlsClientCertificateFile, .tlsClientKeyFile,
                .clientRegistrationFile, .clientAssertionCertificateFile, .clientAssertionFile:
                return .file
            case .clientSecretExpiresAt: return .date
            case .expectedAudience: return .textOrList
            case .clientAssertionAudience: return .choiceOrURL(ClientAssertionAudience.keywords)
            case .dpop, .cache, .clientAssertionSHA1Thumbprint: return .boolean
            case .clientSecretCommand, .clientAssertionCommand: return .shellCommand
            case .clientAuthenticationMethod: return .choice(ClientAuthenticationMethod.allCases.map(\.rawValue))
            case .clientSecretBasicEncoding: return .choice(BasicCredentialEncoding.allCases.map(\.rawValue))
            case .authorizationGrantType: return .choice(["client_credentials"])
            case .scope: return .words
            case .resource: return .uriList
            case .tokenParameters: return .mapping(of: "extra form parameters")
            case .pollInterval, .refreshSkew, .timeout, .credentialWarning: return .duration
            case .refresh: return .choice(RefreshMode.allCases.map(\.rawValue))
            case .allowInsecureHTTP: return .boolean
            case .historySize: return .wholeNumber(1...ConfigurationSchema.maximumHistorySize)
            }
        }

        /// The keys that give the client's secret; at most one may be set.
        public static let secretSources: [ClientKey] = [.clientSecret, .clientSecretFile, .clientSecretCommand]
    }

    /// The largest `history-size`.
    public static let maximumHistorySize = 10_000
}
