import Foundation

/// Unpadded base64url (RFC 4648 §5), as JOSE uses it.
public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Nil for text that is not unpadded base64url: padding, and `+` or `/` from the other
    /// alphabet, are refused as jwt-kit refuses them, so every reader of a JWT agrees.
    public static func decode(_ text: some StringProtocol) -> Data? {
        guard text.utf8.allSatisfy(isAlphabet) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    /// A-Z, a-z, 0-9, `-` and `_` (RFC 4648 §5).
    private static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}

/// Text that is printable ASCII (space to `~`) and at most `bytes` long: what protocol fields
/// such as dates are, and all that reaches a reader (Foundation's date formatters) that traps
/// on some other text.
public enum PrintableASCII {
    public static func holds(_ text: some StringProtocol, atMost bytes: Int) -> Bool {
        text.utf8.count <= bytes && text.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }
}

/// A name (a client's, which may be any printable text) as one segment of a URL's path or a
/// query value: every character but the ASCII unreserved ones (RFC 3986 §2.3) percent-encoded,
/// `/`, `?`, `#`, `&`, `=` and `+` included.
public enum PathSegment {
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    public static func escaped(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: unreserved) ?? name
    }
}

/// `application/x-www-form-urlencoded` as RFC 6749 Appendix B defines it: every character but
/// the ASCII unreserved ones percent-encoded as UTF-8, a space as `+`.
public enum FormEncoding {
    /// Why a form body was refused.
    public struct Malformed: Error, Sendable, Equatable {
        public let reason: String
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~ ")

    public static func encode(_ value: String) -> String {
        (value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value).replacingOccurrences(of: " ", with: "+")
    }

    /// Decodes one component: `+` is a space, then percent-decoding; nil for broken escapes.
    public static func decode(_ component: some StringProtocol) -> String? {
        String(component).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// A form body as name/value pairs, in order. A parameter given twice is refused (RFC 6749
    /// §3.2), and so is text that is not UTF-8 or not valid percent-encoding.
    public static func parameters(_ body: Data) throws(Malformed) -> [String: String] {
        guard let text = String(data: body, encoding: .utf8) else {
            throw Malformed(reason: "the request body is not UTF-8 text")
        }
        var parameters: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw Malformed(reason: "the request body is not valid form-urlencoded text")
            }
            guard !name.isEmpty else { continue }
            guard parameters[name] == nil else {
                throw Malformed(reason: "parameter \(name) is given more than once")
            }
            parameters[name] = value
        }
        return parameters
    }

    /// A body made of the pairs, in order.
    public static func body(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}
