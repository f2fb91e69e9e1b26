import TokenModel

/// How a verdict looks: the one mapping from `HealthState` to symbol, colour role and legend
/// text, used by the table, the header, the help legend and `tokentop check`.
extension HealthState {
    /// The verdicts in the order the header and the legend list them, best first.
    public static let displayOrder: [HealthState] = [.ok, .degraded, .pending, .expired, .error]

    /// The symbol drawn beside the verdict's word.
    public func symbol(_ glyphs: Glyphs) -> Unicode.Scalar {
        switch self {
        case .ok: return glyphs.ok
        case .degraded: return glyphs.degraded
        case .pending: return glyphs.pending
        case .expired: return glyphs.expired
        case .error: return glyphs.error
        }
    }

    /// `✔ ok`: symbol and word, so no meaning rests on colour.
    public func label(_ glyphs: Glyphs) -> String {
        String(symbol(glyphs)) + " " + rawValue
    }

    /// What the verdict means, in the words of the help legend.
    public var meaning: String {
        switch self {
        case .ok: return "all configured works"
        case .degraded: return "token ok, a part fails"
        case .pending: return "not known yet"
        case .expired: return "expired, none new"
        case .error: return "no usable token"
        }
    }

    /// The theme role: severity decides the colour, never the time left.
    var role: StyleRole {
        switch self {
        case .ok: return .ok
        case .degraded: return .refreshDue
        case .pending: return .pending
        case .expired: return .critical
        case .error: return .error
        }
    }
}
