import Foundation
import ProtocolSupport
import TokenModel

/// A JWS in its compact serialization (RFC 7515 §7.1): `header.payload.signature`, each part
/// unpadded base64url. Every reader of a JWT in tokentop splits it here, once: the token
/// decoder, and the demo's resource server, DPoP verifier and client registry. Nothing is
/// verified; signatures are jwt-kit's to check.
public struct CompactJWS: Sendable {
    /// The longest text read as a JWS: the largest token response tokentop reads (1 MiB), so
    /// no token that can arrive is refused, and nothing larger is split or decoded.
    public static let maximumLength = 1 << 20

    /// The JOSE header (RFC 7515 §4): always a JSON object.
    public let header: [String: JSONValue]
    /// The payload's bytes; for a JWT, its claims as JSON.
    public let payload: Data
    /// The signature part as sent. It is decoded only when asked for: readers that verify give
    /// the whole text to jwt-kit, and the decoder names a bad payload before a bad signature.
    private let encodedSignature: Substring

    /// Splits `text` and decodes its header and payload; refuses text longer than
    /// `maximumLength`, with other than three parts, or whose header is not a base64url JSON
    /// object or whose payload is not base64url.
    public init(_ text: String) throws(Malformed) {
        guard text.utf8.count <= Self.maximumLength else { throw .tooLong(byteCount: text.utf8.count) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .partCount(parts.count) }
        guard let headerData = Base64URL.decode(parts[0]) else { throw .headerNotBase64URL }
        guard let header = JSONValue(data: headerData)?.objectValue else { throw .headerNotJSONObject }
        guard let payload = Base64URL.decode(parts[1]) else { throw .payloadNotBase64URL(header: header) }
        self.header = header
        self.payload = payload
        encodedSignature = parts[2]
    }

    /// The payload as a JSON object, as a JWT's claims are; nil when it is not one.
    public var claims: [String: JSONValue]? { JSONValue(data: payload)?.objectValue }

    /// The signature's bytes; nil when its part is not base64url.
    public var signature: Data? { Base64URL.decode(encodedSignature) }
}

extension CompactJWS {
    /// Why text is not a compact JWS, in words that follow "not a JWT": "its payload is not base64url".
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        private enum Fault: Equatable {
            case tooLong(byteCount: Int)
            case partCount(Int)
            case headerNotBase64URL
            case headerNotJSONObject
            case payloadNotBase64URL
        }

        private let fault: Fault
        /// The header, when it was read before the fault was found: a header with an `alg`
        /// says the text was meant as a JWT.
        public let header: [String: JSONValue]?

        private init(_ fault: Fault, header: [String: JSONValue]? = nil) {
            self.fault = fault
            self.header = header
        }

        public static func tooLong(byteCount: Int) -> Self { Self(.tooLong(byteCount: byteCount)) }
        public static func partCount(_ count: Int) -> Self { Self(.partCount(count)) }
        public static let headerNotBase64URL = Self(.headerNotBase64URL)
        public static let headerNotJSONObject = Self(.headerNotJSONObject)
        public static func payloadNotBase64URL(header: [String: JSONValue]) -> Self { Self(.payloadNotBase64URL, header: header) }

        public var description: String {
            switch fault {
            case .tooLong(let byteCount):
                "it is \(byteCount) bytes long; a JWT is read up to \(CompactJWS.maximumLength / 1024) KiB"
            case .partCount(let count): "it has \(count) dot-separated part\(count == 1 ? "" : "s"); a JWT has 3"
            case .headerNotBase64URL: "its first part is not base64url"
            case .headerNotJSONObject: "its first part is not a JSON object"
            case .payloadNotBase64URL: "its payload is not base64url"
            }
        }
    }
}
