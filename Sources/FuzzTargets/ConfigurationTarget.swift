import Foundation
import TokenConfig
import TokenModel

extension FuzzTarget {
    /// The variables the configuration and Spring targets expand `${VAR}` from.
    static let environment = [
        "HOME": "/home/fuzz", "CLIENT_SECRET": "s3cr3t-from-env", "ISSUER": "https://as.fuzz.test",
        "EMPTY": "",
    ]

    /// tokentop's YAML configuration (`ConfigurationLoader.parse`). Input: the file's text.
    /// What it reads is written back with `ConfigurationWriter` and must read the same.
    static let configuration = FuzzTarget("configuration", "tokentop configuration files") { data throws(PropertyViolation) in
        let name = "configuration"
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigurationLoader.parse(yaml: text(data), path: "/fuzz/tokentop.yaml", environment: environment)
        } catch let error as ConfigurationError {
            for issue in error.issues { _ = issue.description }
            return
        } catch {
            throw PropertyViolation(name, "the loader throws only ConfigurationError", found: "\(type(of: error)): \(error)")
        }
        let clients = loaded.configuration.clients
        let draft = ConfigurationDraft(
            defaults: loaded.configuration.defaults,
            clients: clients.map { ConfigurationWriter.client($0, defaults: loaded.configuration.defaults) })
        let written: String
        do {
            written = try ConfigurationWriter.yaml(draft)
        } catch {
            throw PropertyViolation(name, "a configuration that was read can be written", found: "\(error)")
        }
        do {
            let reread = try ConfigurationLoader.parse(yaml: written, path: "/fuzz/tokentop.yaml", environment: [:])
            try Expect.that(
                reread.configuration.clients == clients && reread.configuration.defaults == loaded.configuration.defaults,
                "read → write → read gives the same clients and defaults",
                found:
                    "\(clients.map(\.name)) written as \(written.debugDescription) read as \(reread.configuration.clients.map(\.name))",
                target: name)
        } catch let violation as PropertyViolation {
            throw violation
        } catch {
            throw PropertyViolation(
                name, "what the writer writes, the loader reads", found: "\(error) in \(written.debugDescription)")
        }
    }
}
