import Foundation
import Testing
import TokenConfig
import TokenTesting

/// tokentop's own reader meets the same reading guard as the Spring reader: merge keys that
/// nest or multiply past its bounds are an error naming the line and the bound.
@Suite("The configuration reader's bounds")
struct ReadingBoundsTests {
    @Test("a merge-key bomb (each level merging the one below twice) stops at 1,048,576 values, with no other issue")
    func mergeBomb() {
        let yaml = HostileConfigurations.mergeBomb(levels: 40)
        #expect(yaml.utf8.count < 2_000)
        // The top-level anchors are unknown keys, found before the bound; nothing after it is reported.
        let bound = issues(yaml).filter { !$0.message.hasPrefix("unknown key") }
        #expect(bound.count == 1)
        #expect(bound.first?.keyPath == "clients.mod")
        #expect((1...41).contains(bound.first?.line ?? 0), "at one of the anchors the client's merges lead to")
        #expect(
            bound.first?.message == "merge keys (`<<: *anchor`) expand the file past 1,048,576 values, more than a file "
                + "of the largest size tokentop reads (1 MiB) holds; tokentop stops there (a reference repeated inside a "
                + "repeated reference multiplies at every level)")
    }

    @Test("30,000 merges, each of the one before, are an error where they pass 64 levels")
    func mergeChain() {
        let found = issues(HostileConfigurations.mergeChain(links: 30_000))
        let bound = found.filter { !$0.message.hasPrefix("unknown key") }
        #expect(bound.count == 1)
        #expect(bound.first?.keyPath == "clients.mod")
        #expect(bound.first?.message == "mappings merged with `<<` nest more than 64 levels deep here; tokentop reads at most 64")
        // m<n> is on line n + 1; the client merges m30000, the 64th level below it is m29937.
        #expect(bound.first?.line == 29_937 + 1)
    }

    @Test("merges 64 levels deep are applied as before; 65 are an error")
    func mergeDepthBoundary() throws {
        /// The client's mapping is the first level; it merges `levels - 1` mappings, each merging the next.
        func nested(_ levels: Int) -> String {
            "clients:\n  mod:\n    token-uri: https://auth.example.com/token\n    client-secret: s\n    <<: "
                + String(repeating: "{<<: ", count: levels - 2) + "{client-id: mod}" + String(repeating: "}", count: levels - 2)
                + "\n"
        }
        #expect(try parse(nested(64)).configuration.clients.map(\.clientID) == ["mod"])
        #expect(
            onlyIssue(nested(65))?.message
                == "mappings merged with `<<` nest more than 64 levels deep here; tokentop reads at most 64")
    }

    @Test("YAML nested past libyaml's own 1000 levels says so in words, not by the C function that sets it")
    func libyamlNesting() {
        let yaml = "clients: " + String(repeating: "[", count: 2_000) + String(repeating: "]", count: 2_000) + "\n"
        #expect(
            onlyIssue(yaml)?.message
                == "invalid YAML: mappings and lists nest more than 1000 levels deep; YAML is read to 1000 at most")
    }

    @Test("the guard's bounds, as a reader meets them")
    func guardBounds() throws {
        var readingGuard = ReadingGuard(counting: "values", maximumDepth: 3, maximumExpansion: 10)
        let place = ReadingGuard.Place(file: "f.yaml", line: 4, column: 2, keyPath: "a.b")
        try readingGuard.enter(depth: 3, at: place, "lists")
        #expect(throws: ConfigurationError.self) { try readingGuard.enter(depth: 4, at: place, "lists") }
        try readingGuard.spend(10, at: place, "aliases")
        #expect(readingGuard.spent == 10)
        do {
            try readingGuard.spend(1, at: place, "aliases")
            Issue.record("the eleventh unit was spent")
        } catch {
            #expect(error.description.hasPrefix("f.yaml:4:2: a.b: aliases expand the file past 10 values"))
        }
        #expect(throws: ConfigurationError.self) { try ReadingGuard.checkSize(1 << 20 + 1, of: "f.yaml", kind: "a file") }
        try ReadingGuard.checkSize(1 << 20, of: "f.yaml", kind: "a file")
    }
}
