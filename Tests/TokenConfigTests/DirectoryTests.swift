import Foundation
import Testing
import TokenConfig

/// `--config DIRECTORY`: a fleet's configuration in conf.d style, one team a file.
@Suite("a configuration directory, one team a file")
struct DirectoryTests {
    private static func team(_ clients: [String], defaults: String = "", extra: String = "") -> String {
        var text = defaults.isEmpty ? "" : "defaults:\n  poll-interval: \(defaults)\n"
        text += extra
        text += "clients:\n"
        for name in clients {
            text += """
                  \(name):
                    token-uri: https://as.example/oauth2/token
                    client-id: \(name)-id
                    client-secret: ${SECRET}

                """
        }
        return text
    }

    @Test("every *.yaml in name order, each file's defaults for its own clients; other files and hidden ones are not read")
    func readsInNameOrder() async throws {
        try await withTemporaryDirectory { folder in
            try write(Self.team(["pay-1", "pay-2"], defaults: "30s"), to: folder + "/20-payments.yaml")
            try write(Self.team(["ord-1"]), to: folder + "/10-orders.yaml")
            try write(Self.team(["old"]), to: folder + "/30-retired.yaml.disabled")
            try write(Self.team(["swap"]), to: folder + "/.10-orders.yaml.swp.yaml")
            try write("not: yaml: at: all: [", to: folder + "/README.md")
            try FileManager.default.createDirectory(atPath: folder + "/archive.yaml", withIntermediateDirectories: false)
            let location = try ConfigurationLoader.locate(explicitPath: folder, environment: [:], workingDirectory: "/")
            #expect(location?.path == folder)
            let loaded = try ConfigurationLoader.load(from: folder, environment: ["SECRET": "s"])
            let configuration = loaded.configuration
            #expect(configuration.clients.map(\.name) == ["ord-1", "pay-1", "pay-2"])
            #expect(configuration.sourcePath == folder)
            #expect(configuration.client(named: "pay-1")?.pollInterval == .seconds(30))
            #expect(configuration.client(named: "ord-1")?.pollInterval == ClientDefaults.standard.pollInterval)
        }
    }

    @Test("a client defined in two files is an error naming both, with every other file's problems at once")
    func duplicateNames() async throws {
        try await withTemporaryDirectory { folder in
            try write(Self.team(["shared", "a"]), to: folder + "/a.yaml")
            try write(Self.team(["b", "shared"]), to: folder + "/b.yaml")
            try write("clients:\n  broken:\n    poll-interval: soon\n", to: folder + "/c.yaml")
            let error = #expect(throws: ConfigurationError.self) {
                try ConfigurationLoader.load(from: folder, environment: ["SECRET": "s"])
            }
            let text = error?.description ?? ""
            #expect(
                text.contains(
                    "\(folder)/b.yaml: clients.shared: client shared is defined in \(folder)/a.yaml and again in \(folder)/b.yaml"
                ),
                "\(text)")
            #expect(text.contains("\(folder)/c.yaml:"), "\(text)")
            #expect(text.contains("poll-interval"), "\(text)")
        }
    }

    @Test("the 1 MiB cap is per file: a fleet may exceed it in total, one file may not")
    func sizeCapPerFile() async throws {
        try await withTemporaryDirectory { folder in
            // Two teams of 4,800 clients, about 0.57 MB each: 1.1 MB together.
            let names = (0..<9_600).map { String(format: "client-%05d", $0) }
            try write(Self.team(Array(names[..<4_800])), to: folder + "/team-a.yaml")
            try write(Self.team(Array(names[4_800...])), to: folder + "/team-b.yaml")
            let sizes = try ["team-a", "team-b"].map {
                try FileManager.default.attributesOfItem(atPath: folder + "/\($0).yaml")[.size] as? Int ?? 0
            }
            #expect(sizes.allSatisfy { $0 < 1 << 20 } && sizes.reduce(0, +) > 1 << 20, "\(sizes)")
            let loaded = try ConfigurationLoader.load(from: folder, environment: ["SECRET": "s"])
            #expect(loaded.configuration.clients.count == 9_600)

            try write(String(repeating: "# padding\n", count: 110_000), to: folder + "/team-c.yaml")
            let error = #expect(throws: ConfigurationError.self) {
                try ConfigurationLoader.load(from: folder, environment: ["SECRET": "s"])
            }
            #expect(error?.description.contains("\(folder)/team-c.yaml: is 1100000 bytes, more than the 1 MiB") == true)
        }
    }

    @Test("a directory of more files than the bound is refused before any is read, saying how many it holds")
    func tooManyFiles() async throws {
        try await withTemporaryDirectory { folder in
            for index in 0...ConfigurationLoader.maximumDirectoryFiles {
                try write(Self.team(["team-\(index)"]), to: folder + "/team-\(index).yaml")
            }
            let error = #expect(throws: ConfigurationError.self) {
                try ConfigurationLoader.load(from: folder, environment: ["SECRET": "s"])
            }
            #expect(
                error?.description == "\(folder): holds 1001 *.yaml files; a configuration directory is read only up to "
                    + "1000 (one file a team): merge some teams' files", "\(error?.description ?? "")")
            try FileManager.default.removeItem(atPath: folder + "/team-0.yaml")
            #expect(try ConfigurationLoader.load(from: folder, environment: ["SECRET": "s"]).configuration.clients.count == 1_000)
        }
    }

    @Test("an empty directory, or theme and keys set in two files, are errors that say so")
    func conflicts() async throws {
        try await withTemporaryDirectory { folder in
            let empty = #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(from: folder, environment: [:]) }
            #expect(
                empty?.description
                    == "\(folder): is a directory with no *.yaml file; a configuration directory holds one file per team, each with a `clients:` mapping"
            )

            try write(Self.team(["a"], extra: "theme: solarized\nkeys:\n  refresh: f\nmouse: false\n"), to: folder + "/a.yaml")
            try write(Self.team(["b"], extra: "keys:\n  quit: Q\n"), to: folder + "/b.yaml")
            let loaded = try ConfigurationLoader.load(from: folder, environment: ["SECRET": "s"]).configuration
            #expect(loaded.theme == "solarized")
            #expect(loaded.keyBindings == ["refresh": "f", "quit": "Q"])
            #expect(loaded.mouse == false)

            try write(Self.team(["c"], extra: "theme: dracula\nkeys:\n  refresh: r\n"), to: folder + "/c.yaml")
            let error = #expect(throws: ConfigurationError.self) {
                try ConfigurationLoader.load(from: folder, environment: ["SECRET": "s"])
            }
            let text = error?.description ?? ""
            #expect(
                text.contains("\(folder)/c.yaml:1: theme: theme is set in \(folder)/a.yaml and again in \(folder)/c.yaml"),
                "\(text)")
            #expect(
                text.contains("keys.refresh: keys.refresh is set in \(folder)/a.yaml and again in \(folder)/c.yaml"), "\(text)")
        }
    }
}
