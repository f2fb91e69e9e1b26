import Foundation
import NIOHTTP1
import OAuthClient
import TokenModel

extension FuzzTarget {
    /// What a DPoP server says when it wants a nonce or refuses a proof (RFC 9449 §7.1, §8, §9):
    /// `DPoP-Nonce`, a `DPoP error="use_dpop_nonce"` challenge, the error body and `Retry-After`.
    /// Input: `nonce\0www-authenticate\0body\0retry-after`.
    static let dpopHeaders = FuzzTarget("dpop-headers", "DPoP-Nonce, DPoP challenges and error answers") {
        data throws(PropertyViolation) in
        let name = "dpop-headers"
        let parts = fields(data, count: 4)
        let nonceHeader = text(parts[0])
        if let nonce = DPoPNonce.accepted(nonceHeader) {
            let nqchar = nonce.unicodeScalars.allSatisfy {
                $0.isASCII && $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\"
            }
            try Expect.that(
                nqchar && !nonce.isEmpty && nonce.utf8.count <= DPoPNonce.maximumLength,
                "an echoed nonce is 1 to 1024 NQCHARs", found: nonce.debugDescription, target: name)
        }
        let challenge = text(parts[1])
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for status in [400, 401] {
            var headers = HTTPHeaders()
            headers.add(name: "DPoP-Nonce", value: nonceHeader)
            headers.add(name: "WWW-Authenticate", value: challenge)
            headers.add(name: "Retry-After", value: text(parts[3]))
            let response = ReceivedResponse(status: status, headers: headers, body: parts[2], latency: .milliseconds(3))
            let error = TokenResponseParser.parseError(response, endpoint: "https://as.test/token", now: now)
            try Expect.printable(error.reason, "a DPoP refusal's reason", target: name)
            if let retryAfter = error.retryAfter {
                try Expect.that(
                    retryAfter >= .zero && retryAfter <= .seconds(ReceivedResponse.maximumRetryAfter),
                    "Retry-After is between now and the cap", found: "\(retryAfter)", target: name)
            }
        }
        // As the resource probe keeps it: sanitised, then read as challenges.
        let probe = ResourceResponse(
            status: 401, latency: .milliseconds(3), at: now, wwwAuthenticate: TerminalText.sanitize(challenge),
            bodyExcerpt: TerminalText.sanitize(text(parts[2].prefix(4096)), singleLine: false))
        for parsed in probe.challenges {
            for value in parsed.parameters.values { try Expect.printable(value, "a challenge's parameter", target: name) }
            _ = parsed.error == .useDPoPNonce
        }
        try Expect.printable(probe.bodyExcerpt, "a body excerpt", target: name, allowingNewlines: true)
    }
}
