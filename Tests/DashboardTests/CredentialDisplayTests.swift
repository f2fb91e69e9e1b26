import Dashboard
import Foundation
import Testing
import TokenModel

/// The Token tab lists the credentials behind the token, each with its countdown.
@Suite("Credentials on the Token tab")
struct CredentialDisplayTests {
    @Test("each credential shows its kind, whose it is, its end and the time left; a close one says so in words")
    func credentialRows() throws {
        let now = Fixtures.now
        let client = ClientSnapshot(
            name: "mtls-client", state: .valid,
            credentials: [
                CredentialExpiry(kind: .certificate, subject: "CN=mtls-client", expiresAt: now.addingTimeInterval(9 * 86_400)),
                CredentialExpiry(
                    kind: .assertion, subject: "system:serviceaccount:ci:deployer", expiresAt: now.addingTimeInterval(3000),
                    details: ["iss": "https://ci.example", "aud": "api://AzureADTokenExchange"]),
                CredentialExpiry(kind: .secret, subject: "mtls-client", expiresAt: now.addingTimeInterval(90 * 86_400)),
            ])
        var state = ViewState(selectedClient: "mtls-client")
        state.isZoomed = true
        let frame = Renderer().render(
            ManagerSnapshot(generation: 1, takenAt: now, clients: [client]), state: state,
            size: TerminalSize(columns: 140, rows: 40), now: now, context: Fixtures.context())
        let rows = (0..<frame.height).map { frame.text(ofRow: $0) }
        let certificate = try #require(rows.first { $0.contains("CN=mtls-client") && !$0.contains("Health") })
        #expect(certificate.contains("certificate"))
        #expect(certificate.contains("(in 9d00h)"))
        #expect(certificate.contains("renew soon"))
        let assertion = try #require(rows.first { $0.contains("system:serviceaccount:ci:deployer") })
        #expect(assertion.contains("assertion") && assertion.contains("(in 50m00s)"))
        #expect(assertion.contains("Credentials"), "soonest first, under the label")
        #expect(rows.contains { $0.contains("iss") && $0.contains("https://ci.example") })
        #expect(rows.contains { $0.contains("aud") && $0.contains("api://AzureADTokenExchange") })
        let secret = try #require(rows.first { $0.contains("secret") && $0.contains("(in 90d00h)") })
        #expect(!secret.contains("renew soon"))
    }
}
