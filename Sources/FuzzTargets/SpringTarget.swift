import Foundation
import SpringConfig
import TokenConfig
import TokenModel

extension FuzzTarget {
    /// A Spring Boot `application.yml` or `application.properties` through the whole import:
    /// the YAML flattener or properties parser, profiles, placeholders, the client mapper, and
    /// tokentop's configuration written from it. Input: a format byte (odd: `.properties`), then
    /// the file's text. What the import writes must load back as the clients it found.
    static let spring = FuzzTarget("spring", "Spring Boot application.yml and .properties files") {
        data throws(PropertyViolation) in
        let name = "spring"
        let isProperties = (data.first ?? 0) & 1 == 1
        // A folder per call: swift test reads the corpus files in parallel.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-fuzz-spring-\(UUID().uuidString)")
        let file = folder.appendingPathComponent(isProperties ? "application.properties" : "application.yml")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.dropFirst().write(to: file)
        } catch {
            throw PropertyViolation(name, "the input can be written to a temporary file", found: "\(error)")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let imported: SpringImport
        do throws(ConfigurationError) {
            imported = try SpringImport.load(paths: [file.path], resourcePath: "/mod", environment: environment)
        } catch {
            for issue in error.issues { _ = issue.description }
            return
        }
        let written: String
        do {
            written = try imported.configurationYAML()
        } catch {
            throw PropertyViolation(name, "an import that succeeded can be written", found: "\(error)")
        }
        do {
            let reread = try ConfigurationLoader.parse(yaml: written, path: file.path, environment: environment)
            try Expect.that(
                reread.configuration.clients == imported.configuration.clients,
                "the configuration written loads as the clients imported",
                found: "\(imported.clients.map(\.name)) written as \(written.debugDescription)", target: name)
        } catch let violation as PropertyViolation {
            throw violation
        } catch {
            throw PropertyViolation(name, "the configuration written loads", found: "\(error) in \(written.debugDescription)")
        }
        for client in imported.clients {
            _ = imported.provenance(of: client.name)
        }
    }
}
