import Foundation

/// Unpadded base64url (RFC 4648 §5), as JOSE uses it.
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

/// `application/x-www-form-urlencoded` bodies and the form-urlencoding of RFC 6749 §2.3.1.
enum FormEncoding {
    /// Why a form body was refused.
    struct Malformed: Error {
        let reason: String
    }

    /// Decodes one component: `+` is a space, then percent-decoding.
    static func decode(_ component: some StringProtocol) -> String? {
        String(component).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Encodes everything but unreserved characters.
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The parameters of a form body. A parameter given twice is refused (RFC 6749 §3.2),
    /// and so is text that is not valid UTF-8 or percent-encoding.
    static func parameters(_ body: Data) throws(Malformed) -> [String: String] {
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
}

/// Equality that takes as long for a near miss as for a far one, for comparing secrets.
func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
    let left = Array(lhs.utf8)
    let right = Array(rhs.utf8)
    var difference = UInt8(left.count == right.count ? 0 : 1)
    for index in 0..<max(left.count, right.count) {
        let a = index < left.count ? left[index] : 0
        let b = index < right.count ? right[index] : 0
        difference |= a ^ b
    }
    return difference == 0
}

extension Duration {
    /// Whole seconds, rounded down.
    var wholeSeconds: Int { Int(components.seconds) }

    /// As a `TimeInterval`.
    var timeInterval: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }

    /// Compact text that tokentop's configuration reads back: `30s`, `10m`, `1h`, `250ms`.
    var configurationText: String {
        let milliseconds = components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        if seconds != 0 && seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds != 0 && seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
