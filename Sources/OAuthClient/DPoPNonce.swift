/// The `DPoP-Nonce` header a server sends (RFC 9449 §8, §9): what of it tokentop echoes into
/// its next signed proof.
public enum DPoPNonce {
    /// Longer nonces are not echoed: a proof is a header, and real nonces are short.
    public static let maximumLength = 1024

    /// The nonce to use, or nil when the header is absent, empty, too long, or holds a character
    /// outside NQCHAR (RFC 9449 §8.1: `%x21 / %x23-5B / %x5D-7E`).
    public static func accepted(_ header: String?) -> String? {
        guard let header, !header.isEmpty, header.utf8.count <= maximumLength,
            header.unicodeScalars.allSatisfy({
                $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value)
            })
        else { return nil }
        return header
    }
}
