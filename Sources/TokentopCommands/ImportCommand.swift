import ArgumentParser
import Foundation
import SpringConfig
import TokenConfig
import TokenModel

/// `tokentop import`: converts another tool's configuration into tokentop's.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Write a tokentop configuration from another tool's configuration.",
        subcommands: [ImportSpringCommand.self])
}

/// `tokentop import spring PATH…`: a Spring Boot service's OAuth clients as tokentop's configuration.
struct ImportSpringCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spring",
        abstract: "Convert Spring Boot application.yml / application.properties clients to tokentop's configuration.",
        discussion: """
            Reads spring.security.oauth2.client registrations and providers, resource-server settings, \
            classic ClientCredentialsResourceDetails blocks and okta.oauth2, with profiles, relaxed names, \
            environment overrides and ${placeholders} resolved as Spring resolves them. A value Spring takes \
            from the environment is written as a ${VAR} reference, never as its value. Each setting gets a \
            comment naming the Spring property and file:line it came from.
            Exit status: 0 when the configuration was written and loads cleanly; 1 when it could not be written or \
            does not load; 2 when a file cannot be read or is not Spring configuration, or on a usage error.
            """)

    @Argument(help: "Spring configuration files (.yml, .yaml, .properties) or folders holding application.*; later ones win.")
    var paths: [String]

    @Option(
        name: .customLong("profile"),
        help: "An active Spring profile (repeatable); default: SPRING_PROFILES_ACTIVE, else spring.profiles.active.")
    var profiles: [String] = []

    @Option(
        name: .customLong("resource-path"), help: "Appended to a classic client's baseUrl to give its resource-uri, e.g. /mod.")
    var resourcePath: String?

    @Flag(
        name: .customLong("allow-insecure-http"),
        help: "Let every imported client use plain http to hosts other than this machine (test servers).")
    var allowInsecureHTTP = false

    @Option(
        name: .shortAndLong,
        help: """
            Write the configuration to this file (atomically, mode 0600) instead of standard output; - is standard \
            output. A path that exists must be a regular file.
            """)
    var output: String?

    func run() throws {
        // `-o -` is standard output; any other path is a file replaced whole, so checked before any work.
        let file = output == "-" ? nil : output
        if let file {
            do {
                try LocalFile.requireReplaceable(file)
            } catch {
                throw CLIError.usage("-o \(error) (-o - writes to standard output)")
            }
        }
        let environment = ProcessInfo.processInfo.environment
        let imported: SpringImport
        do {
            imported = try SpringImport.load(
                paths: paths, profiles: profiles, resourcePath: resourcePath, allowInsecureHTTP: allowInsecureHTTP,
                environment: environment)
        } catch {
            throw CLIError.usage(error.description)
        }
        let yaml: String
        do {
            yaml = try imported.configurationYAML()
            // What is written must load as it is: checked here rather than promised.
            let reloaded = try ConfigurationLoader.parse(yaml: yaml, path: file ?? "<stdout>", environment: environment)
            guard reloaded.warnings.isEmpty else {
                throw CLIError.runtime(
                    "the converted configuration loads with warnings: \(reloaded.warnings.joined(separator: "; "))")
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError.runtime("the converted configuration does not load: \(error)")
        }
        for warning in imported.warnings { printError("tokentop: warning: \(warning)") }
        for skip in imported.skipped { printError("tokentop: skipped \(skip)") }
        if let file {
            do {
                try ConfigurationWriter.writeAtomically(yaml, to: file)
            } catch {
                throw CLIError.runtime(String(describing: error))
            }
            printError("tokentop: wrote \(imported.clients.count) client(s) to \(file)")
        } else {
            try printResult(yaml, terminator: "")
        }
    }
}
