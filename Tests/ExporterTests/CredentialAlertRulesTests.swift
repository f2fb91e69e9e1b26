import Foundation
import Testing

/// The credential rules of examples/prometheus/alerts.yml (group `tokentop-credentials`), under
/// Prometheus' own tool: a warning at 30 days, critical at 7, never for a federated assertion.
@Suite("examples/prometheus: credential alerts", .enabled(if: Tools.promtool != nil, Tools.missingMessage))
struct CredentialAlertRulesTests {
    @Test("the credential rules fire at 30 and 7 days, and not for a far end or an assertion (promtool test rules)")
    func credentialRulesFireAndHold() async throws {
        let outcome = try await Tools.run(
            Tools.promtool!, ["test", "rules", "credential_alerts_test.yml"], in: Repository.prometheusExamples)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.output.contains("SUCCESS"), "\(outcome)")
    }
}
