import Foundation
import Testing
import TokenConfig
import TokenTesting

@testable import SpringConfig

/// Files written to exhaust the reader: each was a crash (stack overflow) or ran for minutes
/// through gigabytes. Each is now an error naming the file, the line and the bound the
/// reading guard holds it to; the sizes are far past the bounds, so a reader without them
/// would not pass quietly.
@Suite("Hostile Spring files meet the reading guard's bounds")
struct HostileSpringFileTests {
    /// The one issue importing `text` as `name` fails with, and the file's path.
    func onlyIssue(
        _ name: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> (issue: ConfigurationIssue?, file: String) {
        try await withSpringFiles([name: text]) { folder in
            let issues = importIssues([folder + "/" + name], sourceLocation: sourceLocation)
            #expect(issues.count == 1, "\(issues.map(\.description))", sourceLocation: sourceLocation)
            return (issues.first, folder + "/" + name)
        }
    }

    @Test("3,000 chained placeholders are an error where the chain passes 64 levels, naming where it started")
    func chainedPlaceholders() async throws {
        let (issue, file) = try await onlyIssue("application.properties", HostileConfigurations.chainedPlaceholders(links: 3_000))
        // The client id is the first level, p0 the second: p63 is the 65th.
        #expect(issue?.file == file)
        #expect(issue?.line == HostileConfigurations.chainedPlaceholderLine(63))
        #expect(issue?.keyPath == "p63")
        #expect(
            issue?.message == "placeholders followed from spring.security.oauth2.client.registration.mod.client-id through "
                + "other properties nest more than 64 levels deep here; tokentop reads at most 64")
    }

    @Test("a chain of 64 levels resolves as before")
    func chainWithinBound() async throws {
        // The client id, then p0 … p62.
        try await withSpringFiles(["application.properties": HostileConfigurations.chainedPlaceholders(links: 62)]) { folder in
            let imported = try springImport([folder + "/application.properties"])
            #expect(imported.configuration.clients.map(\.clientID) == ["x"])
        }
    }

    @Test("4,000 nested defaults are an error at the client id, naming the bound")
    func nestedDefaults() async throws {
        let (issue, file) = try await onlyIssue("application.properties", HostileConfigurations.nestedDefaults(levels: 4_000))
        #expect(issue?.file == file)
        #expect(issue?.line == 1)
        #expect(issue?.keyPath == "spring.security.oauth2.client.registration.mod.client-id")
        #expect(
            issue?.message == "placeholders inside placeholders nest more than 64 levels deep here; tokentop reads at most 64")
    }

    @Test("24 doubling placeholders stop where they pass 1 MiB, at the property that crossed it")
    func doublingPlaceholders() async throws {
        let text = HostileConfigurations.doublingPlaceholders(levels: 24)
        #expect(text.utf8.count < 1_000)
        let (issue, file) = try await onlyIssue("application.properties", text)
        // d<n> is 2^n bytes; d0 … d19 together, written and read, pass 2^20.
        #expect(issue?.file == file)
        #expect(issue?.line == HostileConfigurations.doublingPlaceholderLine(19))
        #expect(issue?.keyPath == "d19")
        #expect(
            issue?.message.hasPrefix(
                "placeholders expand the file past 1,048,576 bytes, more than a file of the largest "
                    + "size tokentop reads (1 MiB) holds; tokentop stops there") == true)
    }

    @Test("the expansion bound is spent once for the whole import, and reported once")
    func expansionReportedOnce() async throws {
        // Two clients each naming the doubling chain's top: the second finds the bound spent.
        let text =
            HostileConfigurations.doublingPlaceholders(levels: 24)
            + "spring.security.oauth2.client.registration.other.client-id=${d24}\n"
            + "spring.security.oauth2.client.registration.other.client-secret=s\n"
            + "spring.security.oauth2.client.registration.other.authorization-grant-type=client_credentials\n"
            + "spring.security.oauth2.client.registration.other.provider=mod\n"
        let (issue, _) = try await onlyIssue("application.properties", text)
        #expect(issue?.keyPath == "d19")
    }

    @Test("50,000 unclosed `${` are text, as in Spring, read in one pass")
    func unclosedPlaceholders() async throws {
        try await withSpringFiles(["application.properties": HostileConfigurations.unclosedPlaceholders(count: 50_000)]) {
            folder in
            let imported = try springImport([folder + "/application.properties"])
            #expect(imported.configuration.clients.map(\.clientID) == [String(repeating: "${", count: 50_000)])
        }
    }

    @Test("2,500 registrations in a 700 KB file are all read: what is under a registration is found without reading every name")
    func manyRegistrations() async throws {
        let text = HostileConfigurations.manyRegistrations(2_500)
        #expect(text.utf8.count < ReadingGuard.maximumFileSize)
        try await withSpringFiles(["application.properties": text]) { folder in
            let imported = try springImport([folder + "/application.properties"])
            #expect(imported.configuration.clients.count == 2_500)
            #expect(imported.configuration.clients.last?.clientID == "c2499")
        }
    }

    @Test("a YAML alias bomb stops at 1,048,576 values, at the alias's anchor")
    func aliasBomb() async throws {
        let text = HostileConfigurations.aliasBomb(levels: 8)
        #expect(text.utf8.count < 1_000)
        let (issue, file) = try await onlyIssue("application.yml", text)
        #expect(issue?.file == file)
        #expect(issue?.line == 1, "the strings every alias leads back to are on the first line")
        #expect(issue?.message.hasPrefix("aliases and merge keys expand the file past 1,048,576 values") == true)
    }

    @Test("YAML nested past 64 levels, through aliases, is an error naming the bound")
    func deepYAML() async throws {
        // Each line one level deeper than the one it names: 100 levels from 100 short lines.
        var lines = ["l0: &l0 {x: y}"]
        for level in 1..<100 { lines.append("l\(level): &l\(level) {x: *l\(level - 1)}") }
        let (issue, _) = try await onlyIssue("application.yml", lines.joined(separator: "\n") + "\n")
        #expect(
            issue?.message == "YAML mappings and lists (aliases and merge keys included) nest more than 64 levels deep here; "
                + "tokentop reads at most 64")
        #expect(issue?.keyPath.hasPrefix("l") == true)
    }

    @Test("30,000 `!` in a profile condition are an error at the condition, naming the bound")
    func profileNegations() async throws {
        let (issue, file) = try await onlyIssue("application.properties", HostileConfigurations.profileNegations(30_000))
        #expect(issue?.file == file)
        #expect(issue?.line == 6)
        #expect(issue?.keyPath == "spring.config.activate.on-profile")
        #expect(
            issue?.message
                == "`!` and parentheses in the profile condition nest more than 64 levels deep here; tokentop reads at most 64")
    }

    @Test("a profile condition within the bound is read: 64 `!` and parentheses, evaluated as Spring would")
    func profileWithinBound() async throws {
        let place = ReadingGuard.Place(file: "application.yml")
        let even = try ProfileExpression.parse([String(repeating: "!", count: 64) + "prod"], at: place)
        #expect(even.matches(["prod"]))
        let nested = try ProfileExpression.parse(
            [String(repeating: "(", count: 63) + "!prod" + String(repeating: ")", count: 63)], at: place)
        #expect(nested.matches(["dev"]) && !nested.matches(["prod"]))
        #expect(throws: ConfigurationError.self) {
            try ProfileExpression.parse(
                [String(repeating: "(", count: 64) + "!prod" + String(repeating: ")", count: 64)], at: place)
        }
    }
}
