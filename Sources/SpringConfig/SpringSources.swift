import Foundation
import TokenConfig
import TokenModel

/// Reads Spring files the way Spring Boot layers them: the named files' documents in order,
/// then for each active profile the `<name>-<profile>.yml/.yaml/.properties` files beside them;
/// later sources win, and environment variables in Spring's form win over every file.
struct SpringSources {
    /// Every property, layered.
    var properties = PropertySet()
    /// The files read, in the order read.
    var files: [String] = []
    /// The active profiles, in order; empty when only the default profile applies.
    var profiles: [String] = []
    /// Problems that do not stop the import.
    var warnings: [ConfigurationIssue] = []

    private struct Document {
        let file: String
        let properties: [RawProperty]
        /// Nil when the document applies whatever the profiles.
        let condition: ProfileExpression?
    }

    /// Reads `paths` (files, or folders holding `application.*`) with `requestedProfiles`
    /// active, or else those `SPRING_PROFILES_ACTIVE` or `spring.profiles.active` name.
    static func load(
        paths: [String], requestedProfiles: [String], environment: [String: String]
    ) throws(ConfigurationError) -> SpringSources {
        var sources = SpringSources()
        var issues: [ConfigurationIssue] = []
        var mainFiles: [String] = []
        for path in paths {
            do {
                mainFiles += try configurationFiles(at: path)
            } catch {
                issues += error.issues
            }
        }
        var mainDocuments: [Document] = []
        for file in mainFiles {
            do {
                mainDocuments += try documents(of: file)
            } catch {
                issues += error.issues
            }
        }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }

        let profiles = activeProfiles(
            requested: requestedProfiles, environment: environment, unconditional: mainDocuments.filter { $0.condition == nil })
        sources.profiles = profiles
        let matching = Set(profiles.isEmpty ? ["default"] : profiles)

        var layers = mainDocuments
        for profile in profiles.isEmpty ? ["default"] : profiles {
            for file in mainFiles {
                for candidate in profileFiles(of: file, profile: profile) where FileManager.default.fileExists(atPath: candidate)
                {
                    do {
                        layers += try documents(of: candidate)
                    } catch {
                        issues += error.issues
                    }
                }
            }
        }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }

        for (rank, document) in layers.enumerated() where document.condition?.matches(matching) ?? true {
            if !sources.files.contains(document.file) { sources.files.append(document.file) }
            for raw in document.properties {
                sources.properties.add(
                    SpringProperty(
                        name: PropertyName(raw.name), value: raw.value,
                        origin: SpringOrigin(property: raw.name, file: document.file, line: raw.line, column: raw.column),
                        rank: rank))
                if PropertyName(raw.name).hasPrefix(PropertyName("spring.config.import")) {
                    sources.warnings.append(
                        ConfigurationIssue(
                            file: document.file, line: raw.line, column: raw.column, keyPath: raw.name,
                            message: "spring.config.import is not followed; name the imported file as another PATH"))
                }
            }
        }
        for file in mainFiles where !sources.files.contains(file) { sources.files.insert(file, at: 0) }
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) {
            guard let name = PropertyName(environmentVariable: variable) else { continue }
            sources.properties.add(
                SpringProperty(
                    name: name, value: value, origin: SpringOrigin(environmentVariable: variable), rank: layers.count))
        }
        return sources
    }

    /// Profiles from `--profile`, else `SPRING_PROFILES_ACTIVE`, else the last
    /// `spring.profiles.active` of the documents that apply whatever the profile; with
    /// `spring.profiles.include` added.
    private static func activeProfiles(
        requested: [String], environment: [String: String], unconditional: [Document]
    ) -> [String] {
        func split(_ values: [String]) -> [String] {
            values.flatMap { $0.split(separator: ",") }
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        func values(_ name: String) -> [String] {
            var found: [String] = []
            let key = PropertyName(name)
            for document in unconditional {
                let own = document.properties.filter {
                    let property = PropertyName($0.name)
                    return property == key || (property.parent == key && property.last.hasPrefix("["))
                }
                if !own.isEmpty { found = own.map(\.value) }
            }
            return split(found)
        }
        var profiles = split(requested)
        if profiles.isEmpty, let variable = environment["SPRING_PROFILES_ACTIVE"] { profiles = split([variable]) }
        if profiles.isEmpty { profiles = values("spring.profiles.active") }
        for included in values("spring.profiles.include") where !profiles.contains(included) {
            profiles.append(included)
        }
        var unique: [String] = []
        for profile in profiles where !unique.contains(profile) { unique.append(profile) }
        return unique
    }

    /// The file itself, or the `application.*` files of a folder.
    private static func configurationFiles(at path: String) throws(ConfigurationError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigurationError(issues: [ConfigurationIssue(file: path, message: "no such file")])
        }
        guard isDirectory.boolValue else { return [path] }
        let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
        let found = ["yml", "yaml", "properties"].map { "\(folder)/application.\($0)" }
            .filter { FileManager.default.fileExists(atPath: $0) }
        guard !found.isEmpty else {
            throw ConfigurationError(issues: [
                ConfigurationIssue(
                    file: path, message: "is a folder without application.yml, application.yaml or application.properties")
            ])
        }
        return found
    }

    /// `dir/application.yml` with profile `prod`: `dir/application-prod.yml`, `.yaml` and
    /// `.properties`, in that order (a properties file wins over YAML beside it, as in Spring).
    private static func profileFiles(of file: String, profile: String) -> [String] {
        let folder = (file as NSString).deletingLastPathComponent
        let base = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        return ["yml", "yaml", "properties"].map { (folder.isEmpty ? "" : folder + "/") + "\(base)-\(profile).\($0)" }
    }

    /// A file's documents, each with the profile condition it declares.
    private static func documents(of file: String) throws(ConfigurationError) -> [Document] {
        let text = try read(file)
        let raw: [[RawProperty]]
        switch (file as NSString).pathExtension.lowercased() {
        case "properties": raw = try PropertiesParser.documents(text, file: file)
        case "yml", "yaml": raw = try YAMLFlattener.documents(text, file: file)
        default:
            throw ConfigurationError(issues: [
                ConfigurationIssue(
                    file: file, message: "expected a Spring configuration file ending in .yml, .yaml or .properties")
            ])
        }
        var documents: [Document] = []
        var issues: [ConfigurationIssue] = []
        for properties in raw {
            var condition: ProfileExpression?
            for name in ["spring.config.activate.on-profile", "spring.profiles"] {
                let key = PropertyName(name)
                let items = properties.filter {
                    let property = PropertyName($0.name)
                    return property == key || (property.parent == key && property.last.hasPrefix("["))
                }
                guard let first = items.first else { continue }
                do {
                    condition = try ProfileExpression.parse(
                        items.map(\.value),
                        at: ReadingGuard.Place(file: file, line: first.line, column: first.column, keyPath: first.name))
                } catch {
                    issues += error.issues
                }
                break
            }
            documents.append(Document(file: file, properties: properties, condition: condition))
        }
        guard issues.isEmpty else { throw ConfigurationError(issues: issues) }
        return documents
    }

    private static func read(_ file: String) throws(ConfigurationError) -> String {
        let data: Data
        do {
            // At most LocalFile.maximumSize (1 MiB): an application.yml is a few kilobytes.
            data = try LocalFile.read(file)
        } catch {
            throw ConfigurationError(issues: [ConfigurationIssue(file: file, message: error.problem)])
        }
        if let text = String(data: data, encoding: .utf8) { return text }
        // java.util.Properties' own encoding; non-Latin text is written as \uXXXX there.
        if (file as NSString).pathExtension.lowercased() == "properties" {
            return String(decoding: data.map { UInt16($0) }, as: UTF16.self)
        }
        throw ConfigurationError(issues: [ConfigurationIssue(file: file, message: "is not UTF-8 text")])
    }
}
