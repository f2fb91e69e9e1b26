import Foundation
import Testing
import TokenConfig

/// Parses configuration text the way the loader does, naming it `tokentop.yaml`.
func parse(_ yaml: String, environment: [String: String] = [:], path: String = "tokentop.yaml") throws
    -> LoadedConfiguration
{
    try ConfigurationLoader.parse(yaml: yaml, path: path, environment: environment)
}

/// The issues a broken configuration is rejected with; records a failure when it is accepted.
func issues(
    _ yaml: String, environment: [String: String] = [:], path: String = "tokentop.yaml",
    sourceLocation: SourceLocation = #_sourceLocation
) -> [ConfigurationIssue] {
    do {
        let loaded = try parse(yaml, environment: environment, path: path)
        Issue.record("expected the configuration to be rejected, got \(loaded.configuration)", sourceLocation: sourceLocation)
        return []
    } catch let error as ConfigurationError {
        return error.issues
    } catch {
        Issue.record("expected a ConfigurationError, got \(error)", sourceLocation: sourceLocation)
        return []
    }
}

/// The single issue a configuration is rejected with.
func onlyIssue(
    _ yaml: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
) -> ConfigurationIssue? {
    let found = issues(yaml, environment: environment, sourceLocation: sourceLocation)
    #expect(found.count == 1, "expected one issue, got \(found.map(\.description))", sourceLocation: sourceLocation)
    return found.first
}

/// A fresh directory under the system's temporary folder, removed when `body` returns.
func withTemporaryDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("tokentop-config-XXXXXX")).utf8CString)
    guard let created = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    let path = String(cString: created)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Writes `contents` to `path` with the given permissions.
func write(_ contents: String, to path: String, permissions: Int = 0o600) throws {
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try contents.write(toFile: path, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
}

/// The folder the test target's fixtures were copied to.
func fixturesDirectory() throws -> String {
    let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return url.path
}

/// A client that passes validation, for tests that change one thing.
let minimalClient = """
    clients:
      mod-client:
        token-uri: https://auth.example.com/oauth2/token
        client-id: abc
        client-secret: s3cret
    """
