import Foundation

/// How many colours the terminal can show, from what it reports (`COLORS`) and `NO_COLOR`.
public enum ColorDepth: Int, Sendable, Hashable, Comparable {
    /// Attributes only: `NO_COLOR`, or a terminal without colour.
    case monochrome = 0
    case eight = 8
    case sixteen = 16
    case full256 = 256

    /// The depth for a terminal reporting `colors` (ncurses' `COLORS`), or none at all
    /// when `noColor` is set.
    public init(colors: Int, noColor: Bool) {
        if noColor || colors < 8 {
            self = .monochrome
        } else if colors >= 256 {
            self = .full256
        } else if colors >= 16 {
            self = .sixteen
        } else {
            self = .eight
        }
    }

    /// True when the `NO_COLOR` convention asks for no colour: the variable is set and non-empty.
    public static func noColorRequested(in environment: [String: String]) -> Bool {
        !(environment["NO_COLOR"] ?? "").isEmpty
    }

    public static func < (lhs: ColorDepth, rhs: ColorDepth) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A colour as a theme file names it: `red`, `brightblue`, `default`, `#rrggbb` or 0–255.
public enum ThemeColor: Sendable, Hashable, CustomStringConvertible {
    /// The terminal's own colour.
    case terminalDefault
    /// One of the 16 ANSI colours, 0–15.
    case ansi(UInt8)
    /// A 256-colour palette entry.
    case indexed(UInt8)
    case rgb(red: UInt8, green: UInt8, blue: UInt8)

    static let names: [String] = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
    ]

    /// Parses a theme file's colour; nil when it is none of the accepted forms.
    public init?(parsing text: String) {
        let name = text.trimmingCharacters(in: .whitespaces).lowercased()
        if name == "default" || name == "-1" {
            self = .terminalDefault
        } else if let index = Self.names.firstIndex(of: name) {
            self = .ansi(UInt8(index))
        } else if name.hasPrefix("bright"), let index = Self.names.firstIndex(of: String(name.dropFirst(6))) {
            self = .ansi(UInt8(index + 8))
        } else if name == "gray" || name == "grey" {
            self = .ansi(8)
        } else if name.hasPrefix("#"), name.count == 7, let value = UInt32(name.dropFirst(), radix: 16) {
            self = .rgb(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xFF), blue: UInt8(value & 0xFF))
        } else if let index = Int(name), (0...255).contains(index) {
            self = .indexed(UInt8(index))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .terminalDefault: return "default"
        case .ansi(let index):
            return index < 8 ? Self.names[Int(index)] : "bright" + Self.names[Int(index) - 8]
        case .indexed(let index): return String(index)
        case .rgb(let red, let green, let blue):
            return "#"
                + [red, green, blue].map { byte in
                    let hex = String(byte, radix: 16)
                    return hex.count == 1 ? "0" + hex : hex
                }.joined()
        }
    }

    /// The nearest colour the terminal can show; nil in monochrome, where only attributes remain.
    public func fitted(to depth: ColorDepth) -> TerminalColor? {
        switch (self, depth) {
        case (_, .monochrome): return nil
        case (.terminalDefault, _): return .terminalDefault
        case (.ansi(let index), .eight): return .indexed(index % 8)
        case (.ansi(let index), _): return .indexed(index)
        case (.indexed(let index), .full256): return .indexed(index)
        case (.indexed(let index), .sixteen) where index < 16: return .indexed(index)
        case (.indexed(let index), .eight) where index < 16: return .indexed(index % 8)
        case (.indexed(let index), _): return .indexed(Self.nearestANSI(Self.rgb(ofPaletteIndex: index), count: depth.rawValue))
        case (.rgb(let red, let green, let blue), .full256): return .indexed(Self.nearest256(red, green, blue))
        case (.rgb(let red, let green, let blue), _): return .indexed(Self.nearestANSI((red, green, blue), count: depth.rawValue))
        }
    }

    private typealias RGB = (UInt8, UInt8, UInt8)

    /// xterm's defaults for the 16 ANSI colours.
    private static let ansiRGB: [RGB] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
        (255, 255, 255),
    ]
    private static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    private static func distance(_ a: RGB, _ b: RGB) -> Int {
        let red = Int(a.0) - Int(b.0)
        let green = Int(a.1) - Int(b.1)
        let blue = Int(a.2) - Int(b.2)
        return 2 * red * red + 4 * green * green + 3 * blue * blue
    }

    /// The 256-colour entry nearest to a colour: the 6×6×6 cube or the grey ramp.
    static func nearest256(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> UInt8 {
        func cubeIndex(_ value: UInt8) -> Int {
            cubeLevels.indices.min { abs(cubeLevels[$0] - Int(value)) < abs(cubeLevels[$1] - Int(value)) }!
        }
        let (r, g, b) = (cubeIndex(red), cubeIndex(green), cubeIndex(blue))
        let cube = UInt8(16 + 36 * r + 6 * g + b)
        let cubeRGB: RGB = (UInt8(cubeLevels[r]), UInt8(cubeLevels[g]), UInt8(cubeLevels[b]))
        let average = (Int(red) + Int(green) + Int(blue)) / 3
        let greyStep = min(23, max(0, (average - 3) / 10))
        let greyLevel = UInt8(8 + 10 * greyStep)
        let grey = UInt8(232 + greyStep)
        let target: RGB = (red, green, blue)
        return distance(target, (greyLevel, greyLevel, greyLevel)) < distance(target, cubeRGB) ? grey : cube
    }

    /// The nearest of the first `count` (8 or 16) ANSI colours.
    static func nearestANSI(_ color: (UInt8, UInt8, UInt8), count: Int) -> UInt8 {
        let candidates = 0..<min(count, 16)
        return UInt8(candidates.min { distance(color, ansiRGB[$0]) < distance(color, ansiRGB[$1]) }!)
    }

    /// The usual RGB value of a 256-colour palette entry.
    static func rgb(ofPaletteIndex index: UInt8) -> (UInt8, UInt8, UInt8) {
        switch index {
        case 0..<16: return ansiRGB[Int(index)]
        case 16..<232:
            let value = Int(index) - 16
            return (UInt8(cubeLevels[value / 36]), UInt8(cubeLevels[(value / 6) % 6]), UInt8(cubeLevels[value % 6]))
        default:
            let level = UInt8(8 + 10 * (Int(index) - 232))
            return (level, level, level)
        }
    }
}
