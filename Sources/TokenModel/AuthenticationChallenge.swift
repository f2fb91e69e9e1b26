/// One challenge of a `WWW-Authenticate` header: `Bearer realm="api", error="invalid_token"`.
///
/// The one parser of the header (RFC 9110 §11.6.1 syntax; RFC 6750 §3 and RFC 9449 §7.1
/// parameters). It never fails: what cannot be read is skipped, so a hostile header yields
/// fewer parameters, not an error.
public struct AuthenticationChallenge: Sendable, Equatable {
    /// `Bearer`, `DPoP`, `Basic`, as sent.
    public var scheme: String
    /// Parameter names lower-cased, values unquoted.
    public var parameters: [String: String]
    /// A token68 credential-style value, when the challenge has one instead of parameters.
    public var token68: String?

    public init(scheme: String, parameters: [String: String] = [:], token68: String? = nil) {
        self.scheme = scheme
        self.parameters = parameters
        self.token68 = token68
    }

    public var error: OAuthErrorCode? { parameters["error"].map(OAuthErrorCode.init(rawValue:)) }
    public var errorDescription: String? { parameters["error_description"] }
    public var realm: String? { parameters["realm"] }
    /// The scope the resource asks for (`insufficient_scope`).
    public var scope: [String] { parameters["scope"]?.split(separator: " ").map(String.init) ?? [] }

    /// Every challenge in the header, in order.
    public static func parse(_ header: String) -> [AuthenticationChallenge] {
        var scanner = Scanner(Array(header.unicodeScalars))
        var challenges: [AuthenticationChallenge] = []
        while true {
            scanner.skip { $0 == " " || $0 == "\t" || $0 == "," }
            guard let scheme = scanner.token() else {
                if scanner.atEnd { break }
                scanner.advance() // a stray character: skip it
                continue
            }
            var challenge = AuthenticationChallenge(scheme: scheme)
            // Parameters (or one token68) until the next challenge's scheme.
            while true {
                scanner.skip { $0 == " " || $0 == "\t" || $0 == "," }
                let mark = scanner.position
                guard let name = scanner.token() else { break }
                scanner.skip { $0 == " " || $0 == "\t" }
                guard scanner.peek == "=" else {
                    // A bare token after a scheme: the next challenge begins here.
                    scanner.position = mark
                    break
                }
                scanner.advance()
                if scanner.peek == "=" || scanner.atEnd || scanner.peek == "," {
                    // token68 (`abc==`): the name was the value, and the `=` just read is its own.
                    var value = name + "="
                    while scanner.peek == "=" {
                        value.append("=")
                        scanner.advance()
                    }
                    challenge.token68 = value
                    continue
                }
                scanner.skip { $0 == " " || $0 == "\t" }
                let value = scanner.peek == "\"" ? scanner.quotedString() : (scanner.token() ?? "")
                if challenge.parameters[name.lowercased()] == nil {
                    challenge.parameters[name.lowercased()] = TerminalText.sanitize(value)
                }
            }
            challenges.append(challenge)
        }
        return challenges
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var position = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { position >= scalars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : scalars[position] }
        mutating func advance() { position += 1 }

        mutating func skip(while predicate: (Unicode.Scalar) -> Bool) {
            while let scalar = peek, predicate(scalar) { advance() }
        }

        /// RFC 9110 tchar, plus the token68 characters `-._~+/`.
        mutating func token() -> String? {
            let start = position
            while let scalar = peek, Self.isTokenCharacter(scalar) { advance() }
            return position > start ? String(String.UnicodeScalarView(scalars[start..<position])) : nil
        }

        /// A quoted-string with backslash escapes; an unterminated one ends at the end.
        mutating func quotedString() -> String {
            advance()
            var value = String.UnicodeScalarView()
            while let scalar = peek {
                advance()
                if scalar == "\"" { break }
                if scalar == "\\", let escaped = peek {
                    value.append(escaped)
                    advance()
                } else {
                    value.append(scalar)
                }
            }
            return String(value)
        }

        static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9": return true
            case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~", "/": return true
            default: return false
            }
        }
    }
}
