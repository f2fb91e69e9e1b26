/// What counts as a credential in text a server sent: the one rule, applied where a token
/// response is accepted and wherever an answer is shown or served.
extension Redaction {
    /// A field whose name says it holds a credential: `*token*`, `*secret*`, `*password*`,
    /// `*assertion*`, in any case (`refresh_token`, `client_secret_echo`, `SAMLAssertion`).
    public static func isCredentialName(_ name: String) -> Bool {
        let name = name.lowercased()
        return credentialNameParts.contains { name.contains($0) }
    }

    /// Text shaped like a credential: it holds a JWT (three base64url parts, `eyJ` first), or it
    /// is a long opaque string, 32 characters or more of the token68 alphabet (RFC 7235 §2.1)
    /// with letters and digits, as random tokens and API keys are. Words, sentences, URLs and
    /// numbers are not.
    public static func looksLikeCredential(_ text: String) -> Bool {
        if text.contains("eyJ"), text.contains(jwtShape) { return true }
        guard text.utf8.count >= 32 else { return false }
        var letters = false
        var digits = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits = true
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): letters = true
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"),
                UInt8(ascii: "/"), UInt8(ascii: "="):
                break
            default: return false
            }
        }
        return letters && digits
    }

    /// `text` with everything shaped like a JWT masked (`eyJh…Xw`), the rest as it was: for
    /// answers an API echoed (a body, a challenge), where the words around a token still help.
    public static func maskingJWTs(_ text: String) -> String {
        guard text.contains("eyJ") else { return text }
        return text.replacing(jwtShape) { match in mask(String(match.output)) }
    }

    /// A token response's extra fields as they may be shown and served: at any depth, every
    /// string under a credential-named field, every string that holds one of `known` (the
    /// client's secret, the access token) and every string shaped like a credential is masked
    /// (`abcd…yz`), and so is a key that holds or looks like one. Numbers, booleans and null are
    /// kept: `refresh_token_expires_in: 7200` is a lifetime, not a credential.
    public static func maskingCredentials(in fields: [String: JSONValue], known: [String]) -> [String: JSONValue] {
        // Shorter values would mask half of every answer; OAuthError.redacting draws the same line.
        let known = known.filter { $0.count >= 4 }
        func isCredential(_ text: String) -> Bool {
            looksLikeCredential(text) || known.contains { text.contains($0) }
        }
        func masked(_ value: JSONValue, credentialNamed: Bool) -> JSONValue {
            switch value {
            case .string(let text):
                return credentialNamed || isCredential(text) ? .string(mask(text)) : value
            case .array(let items):
                return .array(items.map { masked($0, credentialNamed: credentialNamed) })
            case .object(let object):
                return .object(maskedObject(object, credentialNamed: credentialNamed))
            case .null, .bool, .number:
                return value
            }
        }
        func maskedObject(_ object: [String: JSONValue], credentialNamed: Bool) -> [String: JSONValue] {
            var result: [String: JSONValue] = [:]
            for (key, value) in object {
                let shownKey = isCredential(key) ? mask(key) : key
                result[shownKey] = masked(value, credentialNamed: credentialNamed || isCredentialName(key))
            }
            return result
        }
        return maskedObject(fields, credentialNamed: false)
    }

    private static let credentialNameParts = ["token", "secret", "password", "assertion"]

    /// Three base64url segments, the first a JSON object's start (`{"` is `eyJ`).
    private nonisolated(unsafe) static let jwtShape = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/
}
