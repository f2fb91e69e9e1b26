import Foundation
import Testing
import TokenModel
import Yams

/// The operator's files in examples/prometheus, checked by Prometheus' own tool.
@Suite("examples/prometheus", .enabled(if: Tools.promtool != nil, Tools.missingMessage))
struct AlertRulesTests {
    @Test("the shipped alert rules pass promtool check rules")
    func rulesAreValid() async throws {
        let outcome = try await Tools.run(Tools.promtool!, ["check", "rules", "alerts.yml"], in: Repository.prometheusExamples)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.output.contains("SUCCESS: \(try AlertRules.load().count) rules found"), "\(outcome)")
    }

    @Test("the alert rules' unit tests pass under promtool test rules")
    func ruleUnitTestsPass() async throws {
        let outcome = try await Tools.run(
            Tools.promtool!, ["test", "rules", "alerts_test.yml"], in: Repository.prometheusExamples)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.output.contains("SUCCESS"), "\(outcome)")
    }

    @Test("every alert has a promtool case where it fires and one where it must not")
    func everyAlertIsTestedBothWays() throws {
        // The credential rules keep their cases in a file of their own.
        let cases = try ["alerts_test.yml", "credential_alerts_test.yml"].flatMap { file in
            try YAMLDecoder().decode(
                AlertRules.TestFile.self,
                from: String(contentsOf: Repository.prometheusExamples.appending(path: file), encoding: .utf8)
            ).tests.flatMap { $0.alertRuleTests ?? [] }
        }
        for rule in try AlertRules.load() {
            let own = cases.filter { $0.alertname == rule.alert }
            #expect(own.contains { !($0.expectedAlerts ?? []).isEmpty }, "\(rule.alert) has no case where it fires")
            #expect(own.contains { ($0.expectedAlerts ?? []).isEmpty }, "\(rule.alert) has no case where it must not fire")
        }
    }

    @Test("every alert names the client, says why, and links a Runbook section README.md has")
    func everyAlertLinksItsRunbook() throws {
        let readme = try String(contentsOf: Repository.root.appending(path: "README.md"), encoding: .utf8)
        let rules = try AlertRules.load()
        #expect(rules.count >= 10)
        for rule in rules {
            let annotations = rule.annotations ?? [:]
            // A client's rule names the client; an issuer's (its token endpoint's budget) names the issuer.
            let subject = rule.expr.contains("tokentop_rate_limit_") ? "{{ $labels.issuer }}" : "{{ $labels.client }}"
            #expect(annotations["summary"]?.contains(subject) == true, "\(rule.alert): summary")
            #expect(annotations["description"]?.contains(subject) == true, "\(rule.alert): description")
            let url = try #require(annotations["runbook_url"], "\(rule.alert) has no runbook_url")
            let anchor = try #require(url.split(separator: "#", maxSplits: 1).last.map(String.init), "\(rule.alert): \(url)")
            // A verdict in the anchor stands for every verdict the rule may carry.
            let anchors =
                anchor.contains("{{ $labels.state }}")
                ? HealthState.allCases.map { anchor.replacingOccurrences(of: "{{ $labels.state }}", with: $0.rawValue) }
                : [anchor]
            for anchor in anchors {
                #expect(readme.contains("<a id=\"\(anchor)\"></a>"), "\(rule.alert): README.md has no section #\(anchor)")
            }
        }
    }

    @Test("the Runbook has a section for every verdict and every cause a diagnosis names")
    func runbookCoversVerdictsAndCauses() throws {
        let readme = try String(contentsOf: Repository.root.appending(path: "README.md"), encoding: .utf8)
        let names =
            HealthState.allCases.map(\.rawValue)
            + Diagnosis.Cause.allCases.map { $0.rawValue.replacingOccurrences(of: "_", with: "-") }
        for name in names {
            #expect(readme.contains("<a id=\"runbook-\(name)\"></a>"), "README.md's Runbook has no section for \(name)")
        }
    }

    @Test("the scrape configuration passes promtool check config")
    func scrapeConfigurationIsValid() async throws {
        let outcome = try await Tools.run(
            Tools.promtool!, ["check", "config", "prometheus.yml"], in: Repository.prometheusExamples)
        #expect(outcome.succeeded, "\(outcome)")
    }

    @Test("the Grafana dashboard graphs every metric an alert reads")
    func dashboardShowsEveryAlertSignal() throws {
        let dashboard = try String(
            contentsOf: Repository.prometheusExamples.appending(path: "grafana-dashboard.json"), encoding: .utf8)
        for rule in try AlertRules.load() {
            let metrics = Set(rule.expr.matches(of: /tokentop_[a-z_]+/).map { String($0.output) })
            #expect(!metrics.isEmpty, "\(rule.alert) reads no tokentop metric")
            for metric in metrics {
                #expect(dashboard.contains(metric + "{"), "\(rule.alert) reads \(metric), which no dashboard panel shows")
            }
        }
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
            return
                "      - record: dashboard:query_\(index)\n        expr: '\(expression.replacingOccurrences(of: "'", with: "''"))'"
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

/// examples/prometheus/alerts.yml and alerts_test.yml, as far as the tests read them.
enum AlertRules {
    struct File: Decodable {
        struct Group: Decodable { var rules: [Rule] }
        var groups: [Group]
    }

    struct Rule: Decodable {
        var alert: String
        var expr: String
        var annotations: [String: String]?
    }

    struct TestFile: Decodable {
        struct Case: Decodable {
            struct Alert: Decodable {}
            var alertname: String
            var expectedAlerts: [Alert]?
            enum CodingKeys: String, CodingKey {
                case alertname
                case expectedAlerts = "exp_alerts"
            }
        }
        struct Test: Decodable {
            var alertRuleTests: [Case]?
            enum CodingKeys: String, CodingKey { case alertRuleTests = "alert_rule_test" }
        }
        var tests: [Test]
    }

    /// Every alerting rule of alerts.yml, in every group.
    static func load() throws -> [Rule] {
        let text = try String(contentsOf: Repository.prometheusExamples.appending(path: "alerts.yml"), encoding: .utf8)
        return try YAMLDecoder().decode(File.self, from: text).groups.flatMap(\.rules)
    }
}
