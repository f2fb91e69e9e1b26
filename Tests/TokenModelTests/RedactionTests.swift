import Foundation
import Testing
import TokenModel

/// What a server echoes of what it was sent is masked before anyone sees it.
@Suite("Errors scrubbed of what was sent")
struct RedactionTests {
    @Test("a secret the server echoes in its description is masked")
    func echoedSecretMasked() {
        let error = OAuthError.server(
            code: "invalid_client", description: "bad secret s3cr3t-value-123", uri: nil, endpoint: nil, httpStatus: 401)
        let scrubbed = error.redacting(["s3cr3t-value-123"])
        #expect(scrubbed.serverDescription == "bad secret s3cr…23")
    }

    @Test("a secret with a NUL (read from a file) neither crashes the scrubbing nor changes sanitised text")
    func secretWithNUL() {
        // Foundation's replacingOccurrences traps on this needle against this text.
        let error = OAuthError.server(code: "invalid_client", description: "clé abcd", uri: nil, endpoint: nil, httpStatus: 401)
        #expect(error.redacting(["abcd\u{0}"]).serverDescription == "clé abcd")
    }
}
