import Foundation

/// Which hosts and peers are this machine: plain http may go there, admin endpoints may
/// answer them. The one copy of the rule, for the configuration, the HTTP client and the demo.
public enum Loopback {
    /// `localhost`, `*.localhost`, `::1` and IPv4 literals in 127.0.0.0/8. A name such as
    /// `127.example.com` is a remote host.
    public static func isLoopbackHost(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        return isLoopbackAddress(host)
    }

    /// A peer's numeric address: 127.0.0.0/8, `::1`, or IPv4-mapped `::ffff:127.x.y.z`.
    public static func isLoopbackAddress(_ address: String) -> Bool {
        var address = address.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if address == "::1" || address == "0:0:0:0:0:0:0:1" { return true }
        if address.hasPrefix("::ffff:") { address = String(address.dropFirst(7)) }
        let octets = address.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
