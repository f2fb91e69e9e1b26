import Foundation
import Testing
import TokenConfig

@testable import SpringConfig

/// A fixture's path: `Fixtures/tutorial/client/application.yml`.
func fixture(_ path: String) -> String {
    Bundle.module.resourceURL!.appending(path: "Fixtures").appending(path: path).path
}

/// Loads Spring files the way `--spring` does.
func springImport(
    _ paths: [String], profiles: [String] = [], resourcePath: String? = nil, environment: [String: String] = [:]
) throws(ConfigurationError) -> SpringImport {
    try SpringImport.load(paths: paths, profiles: profiles, resourcePath: resourcePath, environment: environment)
}

/// The issues an import is rejected with; records a failure when it is accepted.
func importIssues(
    _ paths: [String], profiles: [String] = [], environment: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
) -> [ConfigurationIssue] {
    do {
        let imported = try springImport(paths, profiles: profiles, environment: environment)
        Issue.record("expected the import to fail, got \(imported.clients.map(\.name))", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.issues
    }
}

/// Writes `files` (name → text) into a fresh folder, runs `body` with the folder, removes it.
func withSpringFiles<Result>(_ files: [String: String], _ body: (String) async throws -> Result) async throws -> Result {
    let folder = FileManager.default.temporaryDirectory.appending(path: "tokentop-spring-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for (name, text) in files {
        let path = folder + "/" + name
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    return try await body(folder)
}

extension SpringImport {
    /// A setting's value as written to tokentop's configuration (a list joined by spaces).
    func written(_ client: String, _ key: String) -> String? {
        guard let setting = clients.first(where: { $0.name == client })?.setting(key) else { return nil }
        switch setting.value {
        case .text(let template): return template.configurationText
        case .list(let items): return items.map(\.configurationText).joined(separator: " ")
        }
    }

    /// Where a setting came from, as `file:line:column` with the file's last two path parts.
    func origin(_ client: String, _ key: String, item: Int = 0) -> String? {
        guard let origins = provenance(of: client)[key], item < origins.count else { return nil }
        let origin = origins[item]
        guard let file = origin.file else { return origin.location }
        let short = file.split(separator: "/").suffix(2).joined(separator: "/")
        return "\(short):\(origin.line!):\(origin.column!) \(origin.property)"
    }
}
