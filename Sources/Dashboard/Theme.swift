import Foundation
import Yams

/// What a piece of the screen is, for the theme to colour: the renderer speaks only of roles.
public enum StyleRole: String, Sendable, Hashable, CaseIterable {
    /// Ordinary text, and the screen's background.
    case text
    /// Labels, hints and other quiet text.
    case muted
    /// The product name in the header.
    case title
    /// The header line.
    case header
    /// The clients table's column titles.
    case columns
    /// Box and separator lines.
    case border
    /// The selected client's row.
    case selection
    /// The `ok` verdict: everything configured works.
    case ok
    /// The `degraded` verdict (a usable token, a failing part), and other warnings. The theme
    /// key keeps its first name, so existing themes still apply.
    case refreshDue = "refresh-due"
    /// The `expired` verdict, and anything else past saving.
    case critical
    /// The `error` verdict: no usable token; failed calls.
    case error
    /// The `pending` verdict: not known yet.
    case pending
    case barFilled = "bar-filled"
    case barEmpty = "bar-empty"
    /// The refresh point on a countdown bar.
    case barMarker = "bar-marker"
    case tab
    case tabActive = "tab-active"
    /// Key names in the footer and help.
    case key
    /// The footer's last-action message.
    case message
    /// Filter and confirmation prompts.
    case prompt
    /// The help overlay's box.
    case overlay
    /// Sparklines.
    case chart

    /// What carries the role's meaning when there is no colour at all (`NO_COLOR`).
    var monochromeAttributes: TextAttributes {
        switch self {
        case .text, .border, .ok, .barFilled, .tab, .overlay, .chart, .pending: return []
        case .muted, .barEmpty: return .dim
        case .title, .refreshDue, .error, .key, .message, .barMarker: return .bold
        case .header, .columns: return .underline
        case .critical: return [.bold, .underline]
        case .selection, .tabActive, .prompt: return .reverse
        }
    }
}

/// One role's look in a theme.
public struct RoleStyle: Sendable, Hashable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var attributes: TextAttributes

    public init(
        foreground: ThemeColor = .terminalDefault, background: ThemeColor = .terminalDefault, attributes: TextAttributes = []
    ) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }
}

/// A named set of role styles, read from YAML in the manner of k9s skins.
public struct Theme: Sendable, Hashable {
    public var name: String
    /// The file it came from; nil for the built-in default.
    public var source: String?
    public var styles: [StyleRole: RoleStyle]

    public init(name: String, source: String?, styles: [StyleRole: RoleStyle]) {
        self.name = name
        self.source = source
        self.styles = styles
    }

    /// The style of a role at a colour depth. Colours are fitted to the terminal; a
    /// background of `default` takes the text role's background, so a theme can paint the
    /// whole screen. In monochrome only attributes remain, and each role keeps one.
    public func style(_ role: StyleRole, depth: ColorDepth) -> Style {
        guard depth != .monochrome else { return Style(attributes: role.monochromeAttributes) }
        let roleStyle = styles[role] ?? Theme.builtIn.styles[role] ?? RoleStyle()
        let base = styles[.text] ?? RoleStyle()
        let background = roleStyle.background == .terminalDefault ? base.background : roleStyle.background
        let foreground = roleStyle.foreground == .terminalDefault ? base.foreground : roleStyle.foreground
        var style = Style(
            foreground: foreground.fitted(to: depth) ?? .terminalDefault,
            background: background.fitted(to: depth) ?? .terminalDefault,
            attributes: roleStyle.attributes)
        // When fewer colours merge a role into plain text (a dark grey selection becoming
        // black on black), its attributes keep it visible.
        let differsInTheme = foreground != base.foreground || background != base.background
        let sameOnScreen =
            style.foreground == (base.foreground.fitted(to: depth) ?? .terminalDefault)
            && style.background == (base.background.fitted(to: depth) ?? .terminalDefault)
        if role != .text && differsInTheme && sameOnScreen {
            style.attributes.formUnion(role.monochromeAttributes)
        }
        return style
    }

    /// Every role's style at a depth, for one frame's drawing.
    public func palette(depth: ColorDepth) -> Palette {
        Palette(styles: StyleRole.allCases.map { style($0, depth: depth) })
    }

    /// The default theme: `themes/default.yaml` as built into the binary, which uses the
    /// terminal's own palette. Other themes fall back to its styles for the roles they leave out.
    public static let builtIn: Theme = {
        guard let file = BuiltInTheme.all.first(where: { $0.name == "default" }) else {
            preconditionFailure("themes/default.yaml was not built in")
        }
        do {
            return try ThemeParser.parse(yaml: file.yaml, name: "default", source: nil, fallback: nil)
        } catch {
            preconditionFailure("the built-in theme does not parse: \(error)")
        }
    }()
}

/// The styles of every role at one colour depth, looked up by role while drawing a frame.
public struct Palette: Sendable {
    private let styles: [Style]

    init(styles: [Style]) { self.styles = styles }

    public subscript(role: StyleRole) -> Style {
        styles[role.index]
    }
}

extension StyleRole {
    fileprivate static let indexes: [StyleRole: Int] = Dictionary(
        uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })

    var index: Int { Self.indexes[self]! }
}

/// A theme file that cannot be used: names the file, the key and its line.
public struct ThemeError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case syntax(String)
        case unknownKey(String, known: [String])
        case badColour(key: String, value: String)
        case badValue(key: String, reason: String)
        case notFound(name: String, available: [String])
    }

    private let kind: Kind
    /// The theme file, when there is one.
    public let file: String?
    public let line: Int?

    private init(_ kind: Kind, file: String?, line: Int?) {
        self.kind = kind
        self.file = file
        self.line = line
    }

    static func syntax(_ message: String, file: String?, line: Int?) -> ThemeError {
        ThemeError(.syntax(message), file: file, line: line)
    }

    static func unknownKey(_ key: String, known: [String], file: String?, line: Int?) -> ThemeError {
        ThemeError(.unknownKey(key, known: known), file: file, line: line)
    }

    static func badColour(key: String, value: String, file: String?, line: Int?) -> ThemeError {
        ThemeError(.badColour(key: key, value: value), file: file, line: line)
    }

    static func badValue(key: String, reason: String, file: String?, line: Int?) -> ThemeError {
        ThemeError(.badValue(key: key, reason: reason), file: file, line: line)
    }

    static func notFound(name: String, available: [String]) -> ThemeError {
        ThemeError(.notFound(name: name, available: available), file: nil, line: nil)
    }

    /// The key the problem is at (`styles.ok.fg`), when it is about one key.
    public var key: String? {
        switch kind {
        case .unknownKey(let key, _), .badColour(let key, _), .badValue(let key, _): return key
        case .syntax, .notFound: return nil
        }
    }

    public var description: String {
        var place = file ?? "built-in theme"
        if let line { place += ":\(line)" }
        switch kind {
        case .syntax(let message):
            return "\(place): not a valid theme: \(message)"
        case .unknownKey(let key, let known):
            return "\(place): unknown key '\(key)' (expected one of: \(known.joined(separator: ", ")))"
        case .badColour(let key, let value):
            return
                "\(place): \(key): '\(value)' is not a colour (use a name such as red or brightblue, default, #rrggbb, or 0-255)"
        case .badValue(let key, let reason):
            return "\(place): \(key): \(reason)"
        case .notFound(let name, let available):
            return "no theme named '\(name)' (available: \(available.joined(separator: ", ")))"
        }
    }
}

/// Reads theme YAML into a `Theme`, keeping line numbers for errors.
enum ThemeParser {
    static let topLevelKeys = ["name", "description", "palette", "styles"]
    static let styleKeys = ["fg", "bg", "bold", "dim", "reverse", "underline"]

    /// Roles the file leaves out come from `fallback` (the built-in theme). The theme is
    /// known by `name` (its file's name); a `name:` key in the file is only a label.
    static func parse(yaml: String, name: String, source: String?, fallback: Theme?) throws -> Theme {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ThemeError.syntax(Self.describe(error), file: source, line: Self.line(of: error))
        }
        guard let root, case .mapping(let mapping) = root else {
            throw ThemeError.syntax("the top level must be a mapping with a 'styles:' key", file: source, line: root?.mark?.line)
        }
        var styles = fallback?.styles ?? [:]
        for (keyNode, valueNode) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "name", "description", "palette":
                continue
            case "styles":
                guard case .mapping(let roles) = valueNode else {
                    throw ThemeError.badValue(
                        key: "styles", reason: "must be a mapping of role to style", file: source, line: valueNode.mark?.line)
                }
                for (roleNode, styleNode) in roles {
                    let roleName = roleNode.string ?? ""
                    guard let role = StyleRole(rawValue: roleName) else {
                        throw ThemeError.unknownKey(
                            "styles.\(roleName)", known: StyleRole.allCases.map(\.rawValue), file: source,
                            line: roleNode.mark?.line)
                    }
                    styles[role] = try parseStyle(styleNode, key: "styles.\(roleName)", source: source)
                }
            default:
                throw ThemeError.unknownKey(key, known: topLevelKeys, file: source, line: keyNode.mark?.line)
            }
        }
        return Theme(name: name, source: source, styles: styles)
    }

    /// `ok: green` (the foreground alone) or `ok: { fg: green, bg: default, bold: true }`.
    private static func parseStyle(_ node: Node, key: String, source: String?) throws -> RoleStyle {
        if case .scalar(let scalar) = node {
            return RoleStyle(foreground: try colour(scalar.string, key: key, line: node.mark?.line, source: source))
        }
        guard case .mapping(let fields) = node else {
            throw ThemeError.badValue(
                key: key, reason: "must be a colour or a mapping of fg, bg and attributes", file: source, line: node.mark?.line)
        }
        var style = RoleStyle()
        for (fieldNode, valueNode) in fields {
            let field = fieldNode.string ?? ""
            let fieldKey = "\(key).\(field)"
            let line = valueNode.mark?.line
            switch field {
            case "fg", "bg":
                guard case .scalar(let scalar) = valueNode else {
                    throw ThemeError.badColour(key: fieldKey, value: "(not a scalar)", file: source, line: line)
                }
                let colour = try colour(scalar.string, key: fieldKey, line: line, source: source)
                if field == "fg" { style.foreground = colour } else { style.background = colour }
            case "bold", "dim", "reverse", "underline":
                guard let value = valueNode.bool else {
                    throw ThemeError.badValue(key: fieldKey, reason: "must be true or false", file: source, line: line)
                }
                let attribute: TextAttributes =
                    switch field {
                    case "bold": .bold
                    case "dim": .dim
                    case "reverse": .reverse
                    default: .underline
                    }
                if value { style.attributes.insert(attribute) } else { style.attributes.remove(attribute) }
            default:
                throw ThemeError.unknownKey(fieldKey, known: styleKeys, file: source, line: fieldNode.mark?.line)
            }
        }
        return style
    }

    private static func colour(_ text: String, key: String, line: Int?, source: String?) throws -> ThemeColor {
        guard let colour = ThemeColor(parsing: text) else {
            throw ThemeError.badColour(key: key, value: text, file: source, line: line)
        }
        return colour
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default:
            return "\(error)"
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }
}
