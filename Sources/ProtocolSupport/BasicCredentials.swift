import Foundation

/// `Authorization: Basic` for OAuth clients (RFC 6749 §2.3.1): the id and the secret are each
/// form-urlencoded, joined by `:`, then base64. Written by the client, read by the demo servers:
/// one copy of both directions, so they cannot disagree.
public enum BasicCredentials {
    /// Why a Basic header could not be read.
    public struct Malformed: Error, Sendable, Equatable {}

    /// `Basic base64(id:secret)`; `formEncoded: false` joins the two raw, for servers that do
    /// not decode them (`client-secret-basic-encoding: raw`).
    public static func header(id: String, secret: String, formEncoded: Bool = true) -> String {
        let pair = formEncoded ? "\(FormEncoding.encode(id)):\(FormEncoding.encode(secret))" : "\(id):\(secret)"
        return "Basic " + Data(pair.utf8).base64EncodedString()
    }

    /// The id and secret of a form-encoded Basic header; nil when the header names another
    /// scheme. Throws when it is Basic but not base64 of `id:secret` in UTF-8 with valid escapes.
    public static func parse(_ header: String) throws(Malformed) -> (id: String, secret: String)? {
        guard let authorization = AuthorizationHeader(header), authorization.scheme == "basic",
            !authorization.credentials.isEmpty
        else { return nil }
        guard let data = Data(base64Encoded: authorization.credentials),
            let pair = String(data: data, encoding: .utf8),
            let colon = pair.firstIndex(of: ":"),
            let id = FormEncoding.decode(pair[..<colon]),
            let secret = FormEncoding.decode(pair[pair.index(after: colon)...])
        else { throw Malformed() }
        return (id, secret)
    }
}
