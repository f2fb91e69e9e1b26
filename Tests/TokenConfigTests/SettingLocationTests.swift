import Foundation
import Testing
import TokenConfig

@Suite("keys: and theme: keep their place, so the dashboard's refusals read like loading errors")
struct SettingLocationTests {
    private let yaml =
        minimalClient + """

            theme: solarized
            keys:
              refresh: f
              quit:   "Q"
            """

    @Test("each keys: entry keeps its file, key path, and the line and column of its key and value")
    func keyBindingLocations() throws {
        let configuration = try parse(yaml).configuration
        #expect(configuration.keyBindings == ["refresh": "f", "quit": "Q"])
        #expect(
            configuration.keyBindingLocations["refresh"]
                == SettingLocation(
                    file: "tokentop.yaml", keyPath: "keys.refresh",
                    key: .init(line: 8, column: 3), value: .init(line: 8, column: 12)))
        #expect(
            configuration.keyBindingLocations["quit"]
                == SettingLocation(
                    file: "tokentop.yaml", keyPath: "keys.quit",
                    key: .init(line: 9, column: 3), value: .init(line: 9, column: 11)))
        #expect(Set(configuration.keyBindingLocations.keys) == Set(configuration.keyBindings.keys))
    }

    @Test("theme: keeps its place")
    func themeLocation() throws {
        let configuration = try parse(yaml).configuration
        #expect(
            configuration.themeLocation
                == SettingLocation(
                    file: "tokentop.yaml", keyPath: "theme", key: .init(line: 6, column: 1), value: .init(line: 6, column: 8)))
    }

    @Test("no keys: and no theme: means no places")
    func nothingToLocate() throws {
        let configuration = try parse(minimalClient).configuration
        #expect(configuration.keyBindingLocations.isEmpty)
        #expect(configuration.themeLocation == nil)
    }

    @Test("a caller's problem with an action reads like a loading error, at the key")
    func problemAtKey() throws {
        let configuration = try parse(yaml).configuration
        let location = try #require(configuration.keyBindingLocations["refresh"])
        let error = ConfigurationError.problem(at: location, message: "unknown action `refresh`")
        #expect(error.description == "tokentop.yaml:8:3: keys.refresh: unknown action `refresh`")
        #expect(
            error.issues == [
                ConfigurationIssue(
                    file: "tokentop.yaml", line: 8, column: 3, keyPath: "keys.refresh", message: "unknown action `refresh`")
            ])
    }

    @Test("a caller's problem with a value points at the value")
    func problemAtValue() throws {
        let configuration = try parse(yaml).configuration
        let theme = try #require(configuration.themeLocation)
        let error = ConfigurationError.problem(at: theme, .value, message: "no theme named \"solarized\"")
        #expect(error.description == "tokentop.yaml:6:8: theme: no theme named \"solarized\"")
    }

    @Test("several problems become one error, in the order given")
    func severalProblems() throws {
        let configuration = try parse(yaml).configuration
        let locations = configuration.keyBindingLocations
        let error = ConfigurationError(issues: [
            ConfigurationIssue(at: try #require(locations["refresh"]), .value, message: "`f` is bound twice"),
            ConfigurationIssue(at: try #require(locations["quit"]), .value, message: "`Q` is bound twice"),
        ])
        #expect(
            error.description.split(separator: "\n") == [
                "tokentop.yaml:8:12: keys.refresh: `f` is bound twice",
                "tokentop.yaml:9:11: keys.quit: `Q` is bound twice",
            ])
    }

    @Test("the locations name the file as it was loaded")
    func loadedFromFile() async throws {
        try await withTemporaryDirectory { folder in
            let path = folder + "/config.yaml"
            try write(yaml, to: path)
            let configuration = try ConfigurationLoader.load(from: path, environment: [:]).configuration
            #expect(configuration.keyBindingLocations["quit"]?.file == path)
            #expect(configuration.themeLocation?.file == path)
        }
    }

    @Test("did you mean, for the caller's own words")
    func suggestionForCallers() {
        #expect(KeySuggestion.closest(to: "drak", among: ["dark", "light", "solarized"]) == "dark")
        #expect(KeySuggestion.closest(to: "refersh", among: ["refresh", "revoke", "quit"]) == "refresh")
    }
}
