import Foundation
import TokenConfig

/// tokentop clients read from a Spring Boot application's own configuration.
///
/// ```swift
/// let imported = try SpringImport.load(
///     paths: ["src/main/resources/application.yml"], profiles: ["prod"], resourcePath: "/mod",
///     environment: ProcessInfo.processInfo.environment)
/// imported.configuration          // monitor directly
/// try imported.configurationYAML() // or write tokentop's own configuration
/// ```
public struct SpringImport: Sendable {
    /// One client found, with each tokentop setting and the Spring properties it came from.
    public struct Client: Sendable, Equatable {
        /// The client's name in tokentop (a registration id, or one made from a prefix).
        public var name: String
        /// Where Spring describes it (`spring.security.oauth2.client.registration.mod`) and where
        /// that starts.
        public var origin: SpringOrigin
        /// tokentop's settings, in the order written.
        public var settings: [Setting]
        /// Audiences the called API expects in tokens (`...resourceserver.jwt.audiences`,
        /// `okta.oauth2.audience`). Kept here and written as a comment: tokentop's configuration
        /// has no key for an expected audience yet, and `audience` would change the token request.
        public var expectedAudiences: [ValueTemplate]
        /// Where each expected audience was set, in the same order.
        public var expectedAudienceOrigins: [SpringOrigin]

        /// The setting for tokentop's `key`, if any.
        public func setting(_ key: String) -> Setting? { settings.first { $0.key == key } }
    }

    /// A tokentop setting and where it came from.
    public struct Setting: Sendable, Equatable {
        /// One value, or a list (`scope`).
        public enum Value: Sendable, Equatable {
            case text(ValueTemplate)
            case list([ValueTemplate])
        }

        /// tokentop's key (`client-id`).
        public var key: String
        /// The value, with what came from the environment kept as references.
        public var value: Value
        /// Every property the value was made from, in order (`resource-uri` takes `baseUrl` and
        /// `--resource-path`; a list takes one per item).
        public var origins: [SpringOrigin]
    }

    /// A client Spring describes that tokentop does not watch, and why.
    public struct Skipped: Sendable, Equatable, CustomStringConvertible {
        /// The registration's id, or the name the block would have had.
        public var name: String
        /// The property that decided it (the grant type, the method), or where the block starts.
        public var origin: SpringOrigin
        /// Why tokentop does not watch it, in words a user can act on.
        public var reason: String

        /// `login (spring…authorization-grant-type (application.yml:27:39)): …`.
        public var description: String { "\(name) (\(origin)): \(reason)" }
    }

    /// The clients as tokentop runs them, values resolved.
    public var configuration: TokentopConfiguration
    /// The clients with their provenance, in the same order.
    public var clients: [Client]
    /// The files read, in the order read, profile files included.
    public var files: [String]
    /// The active profiles; empty when none was named (Spring's `default` profile applied).
    public var profiles: [String]
    /// Registrations and blocks that were found but are not client-credentials clients.
    public var skipped: [Skipped]
    /// Unknown properties under the OAuth prefixes, and other things worth telling.
    public var warnings: [ConfigurationIssue]

    /// Reads Spring Boot configuration files and maps every client-credentials client in them.
    ///
    /// - Parameters:
    ///   - paths: `application.yml`, `.yaml` or `.properties` files, or folders holding them;
    ///     later files win. Profile files (`application-<profile>.yml`) beside them are read too.
    ///   - profiles: the active profiles (`--profile`); empty means `SPRING_PROFILES_ACTIVE`,
    ///     else `spring.profiles.active` in the files.
    ///   - resourcePath: appended to a classic client's `baseUrl` to give its `resource-uri`.
    ///   - allowInsecureHTTP: sets tokentop's `allow-insecure-http` on every client, for test
    ///     servers reached over plain http (Spring files have no such setting).
    ///   - environment: for Spring's environment overrides and for placeholders.
    /// - Throws: `ConfigurationError` whose issues point at the Spring file, line and property.
    public static func load(
        paths: [String], profiles: [String] = [], resourcePath: String? = nil, allowInsecureHTTP: Bool = false,
        environment: [String: String]
    ) throws(ConfigurationError) -> SpringImport {
        let sources = try SpringSources.load(paths: paths, requestedProfiles: profiles, environment: environment)
        var mapper = ClientMapper(properties: sources.properties, environment: environment, resourcePath: resourcePath)
        mapper.map()
        guard mapper.issues.isEmpty else { throw ConfigurationError(issues: mapper.issues) }
        var clients = mapper.clients
        if allowInsecureHTTP {
            for index in clients.indices {
                clients[index].settings.append(
                    Setting(
                        key: "allow-insecure-http", value: .text(ValueTemplate(text: "true")),
                        origins: [SpringOrigin(option: "--allow-insecure-http")]))
            }
        }
        var imported = SpringImport(
            configuration: TokentopConfiguration(clients: []), clients: clients, files: sources.files,
            profiles: sources.profiles, skipped: mapper.skipped, warnings: inFileOrder(sources.warnings + mapper.warnings))
        guard !imported.clients.isEmpty else {
            var message =
                "no client_credentials client found; tokentop reads spring.security.oauth2.client.registration.*, "
                + "spring.security.oauth2.resourceserver.*, okta.oauth2.* and ClientCredentialsResourceDetails blocks "
                + "(clientId, clientSecret, accessTokenUri)"
            if !imported.skipped.isEmpty {
                message += "; skipped: " + imported.skipped.map(\.description).joined(separator: "; ")
            }
            throw ConfigurationError(issues: [ConfigurationIssue(file: sources.files.first ?? "", message: message)])
        }
        let yaml: String
        do {
            yaml = try ConfigurationWriter.yaml(imported.draft())
        } catch {
            throw ConfigurationError(issues: [
                ConfigurationIssue(
                    file: sources.files.first ?? "", message: "cannot write the clients as YAML: \(error)")
            ])
        }
        do {
            let loaded = try ConfigurationLoader.parse(yaml: yaml, path: sources.files.first ?? "", environment: environment)
            imported.configuration = loaded.configuration
            imported.configuration.sourcePath = sources.files.first
            imported.warnings += loaded.warnings.map { ConfigurationIssue(file: sources.files.first ?? "", message: $0) }
        } catch let error as ConfigurationError {
            throw ConfigurationError(issues: error.issues.map(imported.springIssue))
        } catch {
            throw ConfigurationError(issues: [ConfigurationIssue(file: sources.files.first ?? "", message: "\(error)")])
        }
        return imported
    }

    /// The clients as a configuration draft: every value a reference where Spring took it from
    /// a placeholder, and a comment above each setting naming its Spring property and place.
    public func draft() -> ConfigurationDraft {
        var header = [
            "tokentop configuration imported from Spring Boot configuration (tokentop import spring)",
            "files: " + files.joined(separator: ", ")
                + "; profiles: " + (profiles.isEmpty ? "default" : profiles.joined(separator: ", ")),
        ]
        for skip in skipped { header.append("skipped \(skip)") }
        let draftClients = clients.map { client in
            let comments = ["from \(client.origin)"]
            let settings = client.settings.map { setting in
                let value: ConfigurationDraft.Value =
                    switch setting.value {
                    case .text(let template): .text(template.configurationText)
                    case .list(let items): .list(items.map(\.configurationText))
                    }
                var comments: [String] = []
                for origin in setting.origins.map(\.description) where !comments.contains(origin) { comments.append(origin) }
                return ConfigurationDraft.Setting(setting.key, value, comments: comments)
            }
            return ConfigurationDraft.Client(name: client.name, comments: comments, settings: settings)
        }
        return ConfigurationDraft(comments: header, clients: draftClients)
    }

    /// tokentop's YAML configuration for these clients, with provenance comments. It loads with
    /// no errors or warnings in the same environment.
    public func configurationYAML() throws -> String {
        try ConfigurationWriter.yaml(draft())
    }

    /// For each of the client's tokentop keys, where its value came from.
    public func provenance(of clientName: String) -> [String: [SpringOrigin]] {
        guard let client = clients.first(where: { $0.name == clientName }) else { return [:] }
        return Dictionary(client.settings.map { ($0.key, $0.origins) }, uniquingKeysWith: { first, _ in first })
    }

    /// Issues sorted by file, line and column, keeping the order found for ties.
    private static func inFileOrder(_ issues: [ConfigurationIssue]) -> [ConfigurationIssue] {
        issues.enumerated().sorted { a, b in
            let left = (a.element.file, a.element.line ?? 0, a.element.column ?? 0, a.offset)
            let right = (b.element.file, b.element.line ?? 0, b.element.column ?? 0, b.offset)
            return left < right
        }.map(\.element)
    }

    /// An issue tokentop's reader found in the generated configuration, moved to the Spring
    /// property the value came from.
    private func springIssue(_ issue: ConfigurationIssue) -> ConfigurationIssue {
        for client in clients {
            let prefix = "clients.\(client.name)"
            guard issue.keyPath == prefix || issue.keyPath.hasPrefix(prefix + ".") else { continue }
            var origin = client.origin
            var rest = String(issue.keyPath.dropFirst(prefix.count + 1))
            var index = 0
            if let bracket = rest.firstIndex(of: "[") {
                index = Int(rest[rest.index(after: bracket)...].prefix { $0.isNumber }) ?? 0
                rest = String(rest[..<bracket])
            }
            if let setting = client.setting(rest), !setting.origins.isEmpty {
                origin = setting.origins[min(index, setting.origins.count - 1)]
            }
            var message = issue.message + (rest.isEmpty ? "" : " (tokentop's `\(rest)`)")
            if message.contains("allow-insecure-http") { message += "; for Spring files, pass --allow-insecure-http" }
            return ConfigurationIssue(
                file: origin.file ?? origin.location, line: origin.line, column: origin.column, keyPath: origin.property,
                message: message)
        }
        return issue
    }
}
