import Foundation
import ProtocolSupport
import TokenModel

/// Where the demo servers draw randomness: secrets, token ids, key ids and fault decisions.
/// Injected so tests can make fault injection deterministic.
public struct DemoRandomSource: Sendable {
    /// `count` random bytes.
    public var bytes: @Sendable (_ count: Int) -> [UInt8]
    /// A number in `0..<1`, used to decide whether an injected fault strikes.
    public var unit: @Sendable () -> Double

    /// A source drawing bytes and fractions from these functions.
    public init(bytes: @escaping @Sendable (_ count: Int) -> [UInt8], unit: @escaping @Sendable () -> Double) {
        self.bytes = bytes
        self.unit = unit
    }

    /// The system's cryptographically secure generator.
    public static let system = DemoRandomSource(
        bytes: { count in
            var generator = SystemRandomNumberGenerator()
            return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        },
        unit: { Double.random(in: 0..<1) })

    /// `count` random bytes as unpadded base64url text.
    func token(byteCount: Int) -> String {
        Base64URL.encode(Data(bytes(byteCount)))
    }
}
