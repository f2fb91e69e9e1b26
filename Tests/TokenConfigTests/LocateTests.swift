import Foundation
import Testing
import TokenConfig

@Suite("Finding the configuration file")
struct LocateTests {
    /// A home, an XDG folder, a working directory, and a file in each place tokentop looks.
    private struct Places {
        let root: String
        var home: String { root + "/home" }
        var xdg: String { root + "/xdg" }
        var work: String { root + "/work" }
        var explicit: String { root + "/explicit.yaml" }
        var named: String { root + "/named.yaml" }

        init(root: String) throws {
            self.root = root
            for path in [
                explicit, named, xdg + "/tokentop/config.yaml", home + "/.config/tokentop/config.yaml",
                work + "/tokentop.yaml",
            ] {
                try write(minimalClient, to: path)
            }
        }

        func locate(_ explicitPath: String?, _ environment: [String: String]) throws -> ConfigurationLocation? {
            try ConfigurationLoader.locate(explicitPath: explicitPath, environment: environment, workingDirectory: work)
        }

        func locate(_ environment: [String: String]) throws -> ConfigurationLocation? {
            try locate(nil, environment)
        }
    }

    @Test("--config wins over everything else")
    func explicitFirst() async throws {
        try await withTemporaryDirectory { root in
            let places = try Places(root: root)
            let found = try places.locate(places.explicit, ["TOKENTOP_CONFIG": places.named, "XDG_CONFIG_HOME": places.xdg])
            #expect(found == ConfigurationLocation(path: places.explicit, origin: .explicit))
        }
    }

    @Test("$TOKENTOP_CONFIG comes next")
    func environmentSecond() async throws {
        try await withTemporaryDirectory { root in
            let places = try Places(root: root)
            let found = try places.locate(["TOKENTOP_CONFIG": places.named, "XDG_CONFIG_HOME": places.xdg, "HOME": places.home])
            #expect(found == ConfigurationLocation(path: places.named, origin: .environment))
        }
    }

    @Test("then $XDG_CONFIG_HOME/tokentop/config.yaml, or ~/.config when it is unset or relative")
    func xdgThird() async throws {
        try await withTemporaryDirectory { root in
            let places = try Places(root: root)
            #expect(
                try places.locate(["XDG_CONFIG_HOME": places.xdg, "HOME": places.home])
                    == ConfigurationLocation(path: places.xdg + "/tokentop/config.yaml", origin: .xdg))
            #expect(
                try places.locate(["HOME": places.home])
                    == ConfigurationLocation(path: places.home + "/.config/tokentop/config.yaml", origin: .xdg))
            #expect(
                try places.locate(["XDG_CONFIG_HOME": "relative", "HOME": places.home])?.path
                    == places.home + "/.config/tokentop/config.yaml")
        }
    }

    @Test("then ./tokentop.yaml, and nil when there is none at all")
    func workingDirectoryLast() async throws {
        try await withTemporaryDirectory { root in
            let places = try Places(root: root)
            #expect(
                try places.locate(["HOME": root + "/nobody"])
                    == ConfigurationLocation(path: places.work + "/tokentop.yaml", origin: .workingDirectory))
            try FileManager.default.removeItem(atPath: places.work + "/tokentop.yaml")
            #expect(try places.locate(["HOME": root + "/nobody"]) == nil)
            #expect(try places.locate([:]) == nil)
        }
    }

    @Test("a relative --config is taken from the working directory")
    func relativeExplicit() async throws {
        try await withTemporaryDirectory { root in
            let places = try Places(root: root)
            #expect(try places.locate("tokentop.yaml", [:])?.path == places.work + "/tokentop.yaml")
            #expect(try places.locate("../named.yaml", [:])?.path == places.work + "/../named.yaml")
        }
    }

    @Test("a --config or $TOKENTOP_CONFIG that does not exist is an error, not a fall-through")
    func missingNamedFile() async throws {
        try await withTemporaryDirectory { root in
            let places = try Places(root: root)
            do {
                _ = try places.locate(root + "/missing.yaml", ["HOME": places.home])
                Issue.record("a missing --config file was skipped")
            } catch let error as ConfigurationError {
                #expect(error.description == "\(root)/missing.yaml: no such file or directory (named by --config)")
            }
            do {
                _ = try places.locate(["TOKENTOP_CONFIG": root + "/gone.yaml", "HOME": places.home])
                Issue.record("a missing $TOKENTOP_CONFIG file was skipped")
            } catch let error as ConfigurationError {
                #expect(error.description == "\(root)/gone.yaml: no such file or directory (named by $TOKENTOP_CONFIG)")
            }
            // A directory is a conf.d, read whole.
            #expect(try places.locate(places.work, [:])?.path == places.work)
        }
    }

    @Test("an empty $TOKENTOP_CONFIG is ignored")
    func emptyEnvironment() async throws {
        try await withTemporaryDirectory { root in
            let places = try Places(root: root)
            #expect(try places.locate(["TOKENTOP_CONFIG": ""])?.origin == .workingDirectory)
        }
    }
}
