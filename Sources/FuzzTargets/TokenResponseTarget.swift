import Foundation
import NIOHTTP1
import OAuthClient
import TokenModel

extension FuzzTarget {
    /// A token endpoint's answer: the body of a 2xx (RFC 6749 §5.1) and of an error (§5.2),
    /// with and without DPoP. Input: `status\0content-type\0retry-after\0body`, or a bare body.
    static let tokenResponse = FuzzTarget("token-response", "token endpoint answers, success and error") {
        data throws(PropertyViolation) in
        let name = "token-response"
        let issuedAt = Date(timeIntervalSince1970: 1_800_000_000)
        let parts = data.contains(0) ? fields(data, count: 4) : [Data(), Data(), Data(), data]
        let body = parts[3]
        for dpop in [false, true] {
            let token: IssuedToken
            do throws(OAuthError) {
                token = try TokenResponseParser.parseSuccess(
                    body, issuedAt: issuedAt, endpoint: "https://as.test/token", dpop: dpop)
            } catch {
                try Expect.printable(error.reason, "the refusal", target: name)
                continue
            }
            try Expect.that(
                !token.accessToken.isEmpty && token.accessToken.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) },
                "an accepted access_token is visible ASCII", found: token.accessToken.debugDescription, target: name)
            if let expiresAt = token.expiresAt {
                let lifetime = expiresAt.timeIntervalSince(issuedAt)
                try Expect.that(
                    lifetime.isFinite && lifetime >= IssuedToken.minimumRemainingLifetime && lifetime <= 366 * 86400,
                    "an accepted token lives between a second and a year", found: "\(lifetime) s", target: name)
            }
            if let refreshIn = token.refreshIn {
                try Expect.that(
                    refreshIn > .zero && refreshIn <= .seconds(366 * 86400), "refresh_in is positive and at most a year",
                    found: "\(refreshIn)", target: name)
            }
            try Expect.that(
                ["bearer", "n_a"].contains(token.tokenType.lowercased()) || (dpop && token.tokenType.lowercased() == "dpop"),
                "the token type is one tokentop can use", found: token.tokenType, target: name)
            try Expect.that(
                token.extraFields["access_token"] == nil && token.extraFields["refresh_token"] == nil,
                "the token itself is not kept among the extra fields", found: "\(token.extraFields.keys.sorted())", target: name)
            _ = token.masked
            _ = token.decoded.scopes
        }
        var headers = HTTPHeaders()
        if !parts[1].isEmpty { headers.add(name: "Content-Type", value: text(parts[1])) }
        if !parts[2].isEmpty { headers.add(name: "Retry-After", value: text(parts[2])) }
        let status = Int(text(parts[0])).map { min(max($0, 100), 599) } ?? 400
        let response = ReceivedResponse(status: status, headers: headers, body: body, latency: .milliseconds(5))
        let error = TokenResponseParser.parseError(response, endpoint: "https://as.test/token", now: issuedAt)
        try Expect.printable(error.reason, "an error answer's reason", target: name)
        if let retryAfter = error.retryAfter {
            try Expect.that(
                retryAfter >= .zero && retryAfter <= .seconds(ReceivedResponse.maximumRetryAfter),
                "Retry-After is between now and the cap", found: "\(retryAfter)", target: name)
        }
    }
}
