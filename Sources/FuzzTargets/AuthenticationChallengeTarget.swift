import Foundation
import TokenModel

extension FuzzTarget {
    /// `WWW-Authenticate` as an API or a token endpoint sends it (RFC 9110 §11.6.1, RFC 6750 §3,
    /// RFC 9449 §7.1). Input: the header's value.
    static let wwwAuthenticate = FuzzTarget("www-authenticate", "WWW-Authenticate challenges") { data throws(PropertyViolation) in
        let name = "www-authenticate"
        let challenges = AuthenticationChallenge.parse(text(data))
        for challenge in challenges {
            try Expect.that(
                !challenge.scheme.isEmpty && challenge.scheme.unicodeScalars.allSatisfy(isTokenCharacter),
                "a scheme is a non-empty token", found: challenge.scheme.debugDescription, target: name)
            for (key, value) in challenge.parameters {
                try Expect.that(
                    key == key.lowercased() && !key.isEmpty && key.unicodeScalars.allSatisfy(isTokenCharacter),
                    "a parameter name is a lower-cased token", found: key.debugDescription, target: name)
                try Expect.printable(value, "a parameter value", target: name)
            }
            _ = challenge.error
            _ = challenge.scope
        }
        // Written back in the canonical form, the challenges read the same.
        let written = challenges.map(canonicalChallenge).joined(separator: ", ")
        let reread = AuthenticationChallenge.parse(written)
        try Expect.that(
            reread == challenges, "parse → write → parse gives the same challenges",
            found: "\(challenges) written as \(written.debugDescription) read as \(reread)", target: name)
    }

    /// `Scheme token68, name="value", …` with quoted-string escapes (RFC 9110 §5.6.4).
    static func canonicalChallenge(_ challenge: AuthenticationChallenge) -> String {
        var items: [String] = []
        if let token68 = challenge.token68 { items.append(token68) }
        for (key, value) in challenge.parameters.sorted(by: { $0.key < $1.key }) {
            // Scalar by scalar: a quote followed by a combining mark is one Character, which
            // a Character-level replacement would not see.
            var escaped = String.UnicodeScalarView()
            for scalar in value.unicodeScalars {
                if scalar == "\\" || scalar == "\"" { escaped.append("\\") }
                escaped.append(scalar)
            }
            items.append("\(key)=\"\(String(escaped))\"")
        }
        return items.isEmpty ? challenge.scheme : challenge.scheme + " " + items.joined(separator: ", ")
    }

    /// RFC 9110 tchar and the token68 characters, as the parser reads them.
    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~", "/": true
        default: false
        }
    }
}
