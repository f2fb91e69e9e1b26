import Foundation
import Testing
import TokenConfig

@Suite("Warning about a readable file that holds a secret")
struct PermissionWarningTests {
    private func load(_ yaml: String, permissions: Int, environment: [String: String] = [:]) async throws -> [String] {
        try await withTemporaryDirectory { folder in
            let path = folder + "/tokentop.yaml"
            try write(yaml, to: path, permissions: permissions)
            return try ConfigurationLoader.load(from: path, environment: environment).warnings
        }
    }

    @Test("an inline secret in a file others can read is a warning that says chmod 600")
    func readableByOthers() async throws {
        let warnings = try await load(minimalClient, permissions: 0o644)
        #expect(warnings.count == 1)
        let warning = try #require(warnings.first)
        #expect(
            warning.hasSuffix(
                "tokentop.yaml: tokentop.yaml is readable by others and holds a client secret "
                    + "(mod-client); chmod 600 it, or take the secret from ${VAR}, client-secret-file or client-secret-command"))
        #expect(!warning.contains("s3cret"))
    }

    @Test("a fleet's file names five clients and counts the rest, instead of a line of thousands")
    func manyClients() async throws {
        let yaml =
            "clients:\n"
            + (0..<1000).map { index in
                "  c\(index):\n    token-uri: https://auth.example.com/token\n    client-id: c\(index)\n    client-secret: s3cret\n"
            }.joined()
        let warning = try #require(try await load(yaml, permissions: 0o644).first)
        #expect(warning.contains("holds a client secret (c0, c1, c2, c3, c4 and 995 more)"))
    }

    @Test("readable by the group only is also a warning")
    func readableByGroup() async throws {
        let warnings = try await load(minimalClient, permissions: 0o640)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("is readable by its group and holds a client secret") == true)
    }

    @Test("a file only its owner can read gets no warning")
    func ownerOnly() async throws {
        #expect(try await load(minimalClient, permissions: 0o600).isEmpty)
    }

    @Test("a symbolic link is judged by the file it points to")
    func symbolicLink() async throws {
        try await withTemporaryDirectory { folder in
            try write(minimalClient, to: folder + "/real.yaml", permissions: 0o600)
            try FileManager.default.createSymbolicLink(atPath: folder + "/tokentop.yaml", withDestinationPath: "real.yaml")
            #expect(try ConfigurationLoader.load(from: folder + "/tokentop.yaml", environment: [:]).warnings.isEmpty)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/real.yaml")
            #expect(try ConfigurationLoader.load(from: folder + "/tokentop.yaml", environment: [:]).warnings.count == 1)
        }
    }

    @Test("a secret taken from the environment is not held by the file")
    func secretFromEnvironment() async throws {
        let yaml = minimalClient.replacingOccurrences(of: "s3cret", with: "${MOD_SECRET}")
        #expect(try await load(yaml, permissions: 0o644, environment: ["MOD_SECRET": "x"]).isEmpty)
    }

    @Test("a default written in the file is held by the file when it is used")
    func defaultInFile() async throws {
        let yaml = minimalClient.replacingOccurrences(of: "s3cret", with: "${MOD_SECRET:-literal}")
        #expect(try await load(yaml, permissions: 0o644).count == 1)
        #expect(try await load(yaml, permissions: 0o644, environment: ["MOD_SECRET": "x"]).isEmpty)
    }

    @Test("a client-secret-file others can read is a warning too")
    func readableSecretFile() async throws {
        try await withTemporaryDirectory { folder in
            try write("s3cret\n", to: folder + "/mod.secret", permissions: 0o644)
            let path = folder + "/tokentop.yaml"
            try write(
                minimalClient.replacingOccurrences(
                    of: "client-secret: s3cret", with: "client-secret-file: mod.secret"), to: path, permissions: 0o644)
            let warnings = try ConfigurationLoader.load(from: path, environment: [:]).warnings
            #expect(
                warnings == ["\(folder)/mod.secret: client mod-client's client-secret-file is readable by others; chmod 600 it"])
        }
    }

    @Test("a missing file, a directory, a device, a huge file and a non-UTF-8 file are errors naming the file")
    func unreadableFiles() async throws {
        try await withTemporaryDirectory { folder in
            let expectations = [
                (folder + "/none.yaml", "\(folder)/none.yaml: no such file"),
                ("/dev/zero", "/dev/zero: is a character device, not a regular file; expected a YAML configuration file"),
            ]
            for (path, message) in expectations {
                do {
                    _ = try ConfigurationLoader.load(from: path, environment: [:])
                    Issue.record("\(path) was loaded")
                } catch let error as ConfigurationError {
                    #expect(error.description == message)
                }
            }
            let huge = folder + "/huge.yaml"
            try write(String(repeating: "# padding\n", count: 200_000), to: huge)
            do {
                _ = try ConfigurationLoader.load(from: huge, environment: [:])
                Issue.record("a 2 MB file was loaded")
            } catch let error as ConfigurationError {
                #expect(
                    error.description
                        == "\(huge): is 2000000 bytes, more than the 1 MiB tokentop reads; expected a YAML configuration file")
            }
            do {
                // A directory is read as conf.d: the cap holds for each of its files.
                _ = try ConfigurationLoader.load(from: folder, environment: [:])
                Issue.record("a directory holding a 2 MB file was loaded")
            } catch let error as ConfigurationError {
                #expect(error.description.contains("\(huge): is 2000000 bytes, more than the 1 MiB tokentop reads"))
            }
            let binary = folder + "/binary.yaml"
            #expect(FileManager.default.createFile(atPath: binary, contents: Data([0xFF, 0xFE, 0x00, 0xC3])))
            do {
                _ = try ConfigurationLoader.load(from: binary, environment: [:])
                Issue.record("a non-UTF-8 file was loaded")
            } catch let error as ConfigurationError {
                #expect(error.description == "\(binary): is not UTF-8 text; expected a YAML configuration file")
            }
        }
    }
}
