import Foundation
import TokenModel
import Yams

/// A tokentop configuration about to be written: clients in order, each with its settings in
/// order and the comment lines that explain them. Values are in the configuration's own syntax,
/// so `${VAR}` stays a reference; `ConfigurationWriter.literal(_:)` escapes text meant as it is.
public struct ConfigurationDraft: Sendable, Equatable {
    /// One client: its name under `clients:`, comment lines above it, and its settings.
    public struct Client: Sendable, Equatable {
        /// The key under `clients:`.
        public var name: String
        /// Comment lines written above the name.
        public var comments: [String]
        /// The settings, written in this order.
        public var settings: [Setting]

        /// A client with these settings, written in this order.
        public init(name: String, comments: [String] = [], settings: [Setting]) {
            self.name = name
            self.comments = comments
            self.settings = settings
        }
    }

    /// One key of a client, its value, and comment lines written above it.
    public struct Setting: Sendable, Equatable {
        /// tokentop's key, such as `client-id`.
        public var key: String
        /// The value in the configuration's syntax.
        public var value: Value
        /// Comment lines written above the key.
        public var comments: [String]

        /// A setting written as `key: value`.
        public init(_ key: String, _ value: Value, comments: [String] = []) {
            self.key = key
            self.value = value
            self.comments = comments
        }
    }

    /// A setting's value: one scalar, a list of scalars, or a mapping of scalars
    /// (`token-parameters`), each in the configuration's syntax.
    public enum Value: Sendable, Equatable {
        /// `key: value`.
        case text(String)
        /// `key:` and one `- item` per line.
        case list([String])
        /// `key:` and one `name: value` per line.
        case table([Pair])
    }

    /// A key and value of a `table`, in order.
    public struct Pair: Sendable, Equatable {
        /// The nested key.
        public var key: String
        /// Its value in the configuration's syntax.
        public var value: String

        /// A nested `key: value`.
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Comment lines at the top of the file.
    public var comments: [String]
    /// `defaults:`, written only when it differs from the standard defaults.
    public var defaults: ClientDefaults
    /// The clients, written in this order.
    public var clients: [Client]

    /// A configuration of these clients.
    public init(comments: [String] = [], defaults: ClientDefaults = .standard, clients: [Client]) {
        self.comments = comments
        self.defaults = defaults
        self.clients = clients
    }
}

/// Writes tokentop's YAML configuration. Every key and value goes through Yams' emitter, which
/// quotes whatever would otherwise read back differently, so a name holding `: `, `#` or a line
/// break stays one name and cannot add settings of its own.
public enum ConfigurationWriter {
    /// The configuration as YAML text that `ConfigurationLoader` reads back as written.
    /// Throws only when Yams' emitter refuses a value.
    public static func yaml(_ draft: ConfigurationDraft) throws -> String {
        var lines = draft.comments.flatMap(commentLines)
        let defaults = defaultSettings(draft.defaults)
        if !defaults.isEmpty {
            lines.append("defaults:")
            for setting in defaults { lines += try entryLines(setting, indent: 2) }
        }
        lines.append("clients:")
        for client in draft.clients {
            lines += client.comments.flatMap(commentLines).map { "  " + $0 }
            lines += try keyLines(client.name).map { "  " + $0 }
            for setting in client.settings { lines += try entryLines(setting, indent: 4) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` as a configuration value meaning exactly this text: `$` becomes `$$`, so nothing
    /// in it is expanded as a variable.
    public static func literal(_ text: String) -> String {
        text.replacingOccurrences(of: "$", with: "$$")
    }

    /// A client's settings as a draft, leaving out every value that is the default. The secret
    /// is written as it is configured: inline secrets in plain text, files and commands as such.
    public static func client(
        _ client: ClientConfiguration, defaults: ClientDefaults = .standard, comments: [String] = []
    ) -> ConfigurationDraft.Client {
        typealias Setting = ConfigurationDraft.Setting
        var settings: [Setting] = []
        func add(_ key: String, _ text: String?) {
            if let text { settings.append(Setting(key, .text(literal(text)))) }
        }
        add("issuer-uri", client.issuerURI?.absoluteString)
        add("token-uri", client.tokenURI?.absoluteString)
        add("introspection-uri", client.introspectionURI?.absoluteString)
        add("revocation-uri", client.revocationURI?.absoluteString)
        add("jwk-set-uri", client.jwkSetURI?.absoluteString)
        add("client-id", client.clientID)
        switch client.clientSecret {
        case .none: break
        case .inline(let secret): add("client-secret", secret)
        case .file(let path): add("client-secret-file", path)
        case .command(let command): add("client-secret-command", command)
        }
        if client.authenticationMethod != .clientSecretBasic {
            add("client-authentication-method", client.authenticationMethod.rawValue)
        }
        if client.basicEncoding != .formURLEncoded {
            add("client-secret-basic-encoding", client.basicEncoding.rawValue)
        }
        add("private-key-file", client.privateKeyFile)
        if !client.scopes.isEmpty { settings.append(Setting("scope", .list(client.scopes.map(literal)))) }
        add("audience", client.audience)
        if !client.resources.isEmpty { settings.append(Setting("resource", .list(client.resources.map(literal)))) }
        if !client.extraTokenParameters.isEmpty {
            let pairs = client.extraTokenParameters.sorted { $0.key < $1.key }
                .map { ConfigurationDraft.Pair($0.key, literal($0.value)) }
            settings.append(Setting("token-parameters", .table(pairs)))
        }
        add("resource-uri", client.resourceURI?.absoluteString)
        if client.pollInterval != defaults.pollInterval { add("poll-interval", client.pollInterval.configText) }
        if client.refreshSkew != defaults.refreshSkew { add("refresh-skew", client.refreshSkew.configText) }
        if client.refreshMode != .automatic { add("refresh", client.refreshMode.rawValue) }
        add("ca-file", client.caFile)
        if client.allowInsecureHTTP { add("allow-insecure-http", "true") }
        if client.timeout != defaults.timeout { add("timeout", client.timeout.configText) }
        if client.historySize != defaults.historySize { add("history-size", String(client.historySize)) }
        add("expected-issuer", client.expectedIssuer)
        switch client.expectedAudiences.count {
        case 0: break
        case 1: add("expected-audience", client.expectedAudiences[0])
        default: settings.append(Setting("expected-audience", .list(client.expectedAudiences.map(literal))))
        }
        switch client.clientAssertionAudience {
        case nil: break
        case .endpoint: add("client-assertion-audience", "endpoint")
        case .tokenEndpoint: add("client-assertion-audience", "token-endpoint")
        case .issuer: add("client-assertion-audience", "issuer")
        case .url(let url): add("client-assertion-audience", url.absoluteString)
        }
        if client.dpop { add("dpop", "true") }
        add("dpop-key-file", client.dpopKeyFile)
        if client.cache { add("cache", "true") }
        add("tls-client-certificate-file", client.tlsClientCertificateFile)
        add("tls-client-key-file", client.tlsClientKeyFile)
        switch client.federatedAssertion {
        case .file(let path): add("client-assertion-file", path)
        case .command(let command): add("client-assertion-command", command)
        case .none, .inline: break
        }
        add("client-assertion-certificate-file", client.clientAssertionCertificateFile)
        if client.clientAssertionSHA1Thumbprint { add("client-assertion-x5t", "true") }
        add("client-secret-expires-at", client.clientSecretExpiresAt.map(TimeText.iso8601))
        if client.credentialWarning != defaults.credentialWarning {
            add("credential-warning", client.credentialWarning.configText)
        }
        return ConfigurationDraft.Client(name: client.name, comments: comments, settings: settings)
    }

    /// Writes `text` to `path` through a temporary file in the same folder renamed over it, so a
    /// reader sees the old file or the new one, never half of one. The file is created with mode
    /// 0600 from the start, since a configuration may hold a secret. A path that exists and is not
    /// a regular file (`/dev/stdout`, a symbolic link, a FIFO) is refused before anything is made:
    /// the rename would put a regular file in its place.
    public static func writeAtomically(_ text: String, to path: String) throws {
        do {
            try LocalFile.requireReplaceable(path)
        } catch {
            throw WriteError(path: path, reason: error.problem)
        }
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var template = Array(((folder.isEmpty ? "." : folder) + "/." + name + ".XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var failure: String?
        if fchmod(descriptor, 0o600) != 0 { failure = String(cString: strerror(errno)) }
        if failure == nil {
            do {
                try LocalFile.write(text.utf8, to: descriptor)
            } catch {
                failure = error.reason
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw WriteError(path: path, reason: failure)
        }
    }

    /// A configuration file that could not be written.
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        /// The file that was to be written.
        public let path: String
        /// What the system said.
        public let reason: String

        /// `cannot write PATH: REASON`.
        public var description: String { "cannot write \(path): \(reason)" }
    }

    // MARK: - Emitting

    private static func defaultSettings(_ defaults: ClientDefaults) -> [ConfigurationDraft.Setting] {
        let standard = ClientDefaults.standard
        var settings: [ConfigurationDraft.Setting] = []
        if defaults.refreshSkew != standard.refreshSkew {
            settings.append(.init("refresh-skew", .text(defaults.refreshSkew.configText)))
        }
        if defaults.pollInterval != standard.pollInterval {
            settings.append(.init("poll-interval", .text(defaults.pollInterval.configText)))
        }
        if defaults.timeout != standard.timeout { settings.append(.init("timeout", .text(defaults.timeout.configText))) }
        if defaults.historySize != standard.historySize {
            settings.append(.init("history-size", .text(String(defaults.historySize))))
        }
        return settings
    }

    /// `# text` for each line of a comment; a line break in it cannot end the comment.
    private static func commentLines(_ comment: String) -> [String] {
        comment.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { line in
            let printable = String(
                String.UnicodeScalarView(
                    line.unicodeScalars.map {
                        $0.properties.generalCategory == .control ? "?" : $0
                    }))
            return printable.isEmpty ? "#" : "# " + printable
        }
    }

    private static func entryLines(_ setting: ConfigurationDraft.Setting, indent: Int) throws -> [String] {
        let value: Node
        switch setting.value {
        case .text(let text): value = scalar(text)
        case .list(let items): value = .sequence(Node.Sequence(items.map(scalar), Tag(.seq), .block))
        case .table(let pairs):
            value = .mapping(Node.Mapping(pairs.map { (scalar($0.key), scalar($0.value)) }, Tag(.map), .block))
        }
        let padding = String(repeating: " ", count: indent)
        return setting.comments.flatMap(commentLines).map { padding + $0 }
            + (try emitted(.mapping(Node.Mapping([(scalar(setting.key), value)], Tag(.map), .block)))).map { padding + $0 }
    }

    /// A client's name as a mapping key opening a nested mapping: `name:`, quoted when needed.
    private static func keyLines(_ key: String) throws -> [String] {
        var lines = try emitted(.mapping(Node.Mapping([(scalar(key), .mapping(Node.Mapping([])))], Tag(.map), .block)))
        // The emitter writes the empty mapping as `{}`; the client's settings follow instead.
        if let last = lines.last, last.hasSuffix("{}") { lines[lines.count - 1] = String(last.dropLast(2)) }
        if let last = lines.last, last.hasSuffix(" ") { lines[lines.count - 1] = String(last.dropLast()) }
        return lines
    }

    /// A string scalar, quoted by the emitter when its plain form would read as something else
    /// (`null`, `true`, `12`, ``).
    private static func scalar(_ text: String) -> Node {
        .scalar(text.represented())
    }

    private static func emitted(_ node: Node) throws -> [String] {
        let text = try Yams.serialize(node: node, indent: 2, width: -1, allowUnicode: true)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let last = lines.last, last.isEmpty || last == "..." { lines.removeLast() }
        return lines
    }
}
