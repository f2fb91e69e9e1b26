import Foundation
import Testing

/// The operator's files in examples/prometheus, checked by Prometheus' own tool.
@Suite("examples/prometheus", .enabled(if: Tools.promtool != nil, Tools.missingMessage))
struct AlertRulesTests {
    @Test("the shipped alert rules pass promtool check rules")
    func rulesAreValid() async throws {
        let outcome = try await Tools.run(Tools.promtool!, ["check", "rules", "alerts.yml"], in: Repository.prometheusExamples)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.output.contains("SUCCESS: 7 rules found"), "\(outcome)")
    }

    @Test("the alert rules' unit tests pass under promtool test rules")
    func ruleUnitTestsPass() async throws {
        let outcome = try await Tools.run(
            Tools.promtool!, ["test", "rules", "alerts_test.yml"], in: Repository.prometheusExamples)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.output.contains("SUCCESS"), "\(outcome)")
    }

    @Test("the scrape configuration passes promtool check config")
    func scrapeConfigurationIsValid() async throws {
        let outcome = try await Tools.run(
            Tools.promtool!, ["check", "config", "prometheus.yml"], in: Repository.prometheusExamples)
        #expect(outcome.succeeded, "\(outcome)")
    }

    @Test("every query of the Grafana dashboard is valid PromQL")
    func dashboardQueriesParse() async throws {
        let data = try Data(contentsOf: Repository.prometheusExamples.appending(path: "grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let queries = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(queries.count >= 10)
        // Grafana's variables become the regular expressions "All" selects; each query becomes a
        // recording rule, which promtool parses.
        let rules = queries.enumerated().map { index, query in
            let expression = query.replacingOccurrences(of: "$job", with: ".*").replacingOccurrences(of: "$client", with: ".*")
            return "      - record: dashboard:query_\(index)\n        expr: '\(expression.replacingOccurrences(of: "'", with: "''"))'"
        }
        let directory = FileManager.default.temporaryDirectory.appending(path: "tokentop-dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "dashboard-rules.yml")
        try ("groups:\n  - name: dashboard\n    rules:\n" + rules.joined(separator: "\n") + "\n").write(
            to: file, atomically: true, encoding: .utf8)
        let outcome = try await Tools.run(Tools.promtool!, ["check", "rules", file.path])
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.output.contains("SUCCESS: \(queries.count) rules found"), "\(outcome)")
    }
}
