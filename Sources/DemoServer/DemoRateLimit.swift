import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import TokenModel

/// The token endpoint's rate limit, as Okta sets one: `limit` requests per `window`, counted in
/// one bucket for every client (`--rate-limit 600/min`).
public struct DemoRateLimit: Sendable, Equatable, CustomStringConvertible {
    public let limit: Int
    public let window: Duration

    /// The largest limit accepted: more is no limit worth watching.
    public static let largestLimit = 1_000_000

    public init?(limit: Int, window: Duration) {
        guard (1...Self.largestLimit).contains(limit), window >= .seconds(1), window <= .seconds(86_400) else { return nil }
        self.limit = limit
        self.window = window
    }

    /// `600/min`, `10/s`, `5000/h`, or with a duration of tokentop's syntax: `100/30s`.
    public init?(text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count <= 7, parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let limit = Int(parts[0])
        else { return nil }
        let window: Duration?
        switch parts[1].lowercased() {
        case "s", "sec", "second": window = .seconds(1)
        case "min", "minute": window = .seconds(60)
        case "h", "hour": window = .seconds(3600)
        default: window = Duration(configText: String(parts[1]))
        }
        guard let window else { return nil }
        self.init(limit: limit, window: window)
    }

    public var description: String { "\(limit)/\(window.configText)" }
}

/// One bucket for every client of the token endpoint, in fixed windows aligned to the window's
/// length (Okta's per-minute windows start on the minute), as its clock tells.
final class RateLimitBucket: Sendable {
    /// What one request took from the bucket: whether it may go on, and the headers that say so.
    struct Draw {
        let allowed: Bool
        let remaining: Int
        /// The window's end, in whole Unix seconds (Okta's `X-Rate-Limit-Reset`).
        let reset: Int

        var headers: HTTPFields {
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Rate-Limit-Limit")!] = String(limit)
            headers[HTTPField.Name("X-Rate-Limit-Remaining")!] = String(remaining)
            headers[HTTPField.Name("X-Rate-Limit-Reset")!] = String(reset)
            return headers
        }

        fileprivate let limit: Int
    }

    let rate: DemoRateLimit
    private let clock: any TokenClock
    /// The current window's start (whole seconds) and the requests counted in it.
    private let state = Mutex<(windowStart: Int64, used: Int)>((0, 0))

    init(_ rate: DemoRateLimit, clock: any TokenClock) {
        self.rate = rate
        self.clock = clock
    }

    /// Counts one request; past the limit it is refused until the window ends.
    func draw() -> Draw {
        let length = rate.window.components.seconds
        let now = Int64(clock.now().timeIntervalSince1970.rounded(.down))
        let start = now - ((now % length) + length) % length
        return state.withLock { state in
            if state.windowStart != start { state = (start, 0) }
            let allowed = state.used < rate.limit
            if allowed { state.used += 1 }
            return Draw(allowed: allowed, remaining: rate.limit - state.used, reset: Int(start + length), limit: rate.limit)
        }
    }
}
