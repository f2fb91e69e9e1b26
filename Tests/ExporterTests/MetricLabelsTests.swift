import Foundation
import Testing
import TokenModel

@testable import MetricsExporter

/// What may go in a label: bounded sets only.
@Suite("metric labels")
struct MetricLabelsTests {
    @Test("an RFC 6749/6750/7009 error code stays; any other server code becomes other")
    func errorCodes() {
        func server(_ code: String) -> OAuthError {
            .server(code: code, description: nil, uri: nil, endpoint: nil, httpStatus: 400)
        }
        for code in ["invalid_client", "invalid_scope", "temporarily_unavailable", "invalid_token", "unsupported_token_type"] {
            #expect(MetricLabels.errorCode(server(code)) == code)
        }
        for code in ["tenant_locked", "INVALID_CLIENT", "invalid_client\"} 1\n", String(repeating: "x", count: 500)] {
            #expect(MetricLabels.errorCode(server(code)) == "other")
        }
        #expect(MetricLabels.errorCode(.network(.connectionRefused, "connection refused", endpoint: nil)) == "connection_refused")
        // A server that sends tokentop's own words still gets other: only OAuth codes come from servers.
        #expect(MetricLabels.errorCode(server("timeout")) == "other")
        #expect(MetricLabels.errorCode(.timeout(after: .seconds(10), endpoint: nil)) == "timeout")
    }

    @Test("HTTP statuses become classes; no answer, or a status outside HTTP's, is none")
    func statusClasses() {
        #expect(MetricLabels.statusClass(200) == "2xx")
        #expect(MetricLabels.statusClass(204) == "2xx")
        #expect(MetricLabels.statusClass(401) == "4xx")
        #expect(MetricLabels.statusClass(503) == "5xx")
        #expect(MetricLabels.statusClass(nil) == "none")
        #expect(MetricLabels.statusClass(99) == "none")
        #expect(MetricLabels.statusClass(600) == "none")
        #expect(MetricLabels.statusClass(Int.max) == "none")
    }

    @Test("a JWT echoed in a resource's answer is masked")
    func echoedTokensMasked() {
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtb2QtY2xpZW50In0.c2lnbmF0dXJlLWJ5dGVz"
        let masked = Redaction.maskingJWTs("you sent: Authorization: Bearer \(token) (ok)")
        #expect(!masked.contains(token))
        #expect(!masked.contains("c2lnbmF0dXJlLWJ5dGVz"))
        #expect(masked == "you sent: Authorization: Bearer \(Redaction.mask(token)) (ok)")
        #expect(Redaction.maskingJWTs("The message of the day is boring") == "The message of the day is boring")
    }
}
