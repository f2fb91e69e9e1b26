/// The bounds every reader of a configuration file works within, tokentop's own and Spring's:
/// how large a file may be, how deeply its values may nest, and how far its references (YAML
/// aliases and merge keys, Spring placeholders) may expand it. A file past a bound is an error
/// that names the file, the line and the bound, never a crash, a hang or a run on memory.
///
/// Time is bounded by counting, not by a clock: a reader spends a unit per value it visits and
/// per byte a placeholder reads from the file or produces, and walks at most `maximumDepth`
/// deep, so a file costs it at most about `maximumDepth` × (its size + `maximumExpansion`)
/// steps; the same file fails the same way on a busy machine and an idle one.
public struct ReadingGuard: Sendable {
    /// Larger files are refused before reading: a configuration is a few kilobytes.
    public static let maximumFileSize = 1 << 20
    /// Real files nest a handful of levels; every level may cost a reader a few stack frames.
    public static let maximumDepth = 64
    /// As much as the largest file holds: a file without aliases or placeholders never reaches
    /// it, and an alias of a list of aliases (a "billion laughs") reaches it at once.
    public static let maximumExpansion = maximumFileSize

    /// How deeply values may nest here: mappings and lists (through aliases and merge keys), a
    /// placeholder inside another or naming a property that holds one, `!` and parentheses.
    public let maximumDepth: Int
    /// How many units this reader may spend in all.
    public let maximumExpansion: Int
    /// What a unit is, in the plural, for messages: "values" a YAML reader visits, "bytes" of
    /// text placeholders read and produce.
    public let unit: String
    /// Units spent so far.
    public private(set) var spent = 0

    /// A guard counting `unit`s, with the standard bounds or tighter ones.
    public init(counting unit: String, maximumDepth: Int = Self.maximumDepth, maximumExpansion: Int = Self.maximumExpansion) {
        self.unit = unit
        self.maximumDepth = maximumDepth
        self.maximumExpansion = maximumExpansion
    }

    /// Where a reader is, for the error a bound makes.
    public struct Place: Sendable {
        public var file: String
        public var line: Int?
        public var column: Int?
        public var keyPath: String

        public init(file: String, line: Int? = nil, column: Int? = nil, keyPath: String = "") {
            self.file = file
            self.line = line
            self.column = column
            self.keyPath = keyPath
        }
    }

    /// Checks that a value `depth` levels deep (1 for the outermost) is within the bound.
    /// - Parameter what: what nests, in the plural: "YAML mappings and lists".
    public func enter(depth: Int, at place: Place, _ what: String) throws(ConfigurationError) {
        guard depth > maximumDepth else { return }
        throw error(at: place, "\(what) nest more than \(maximumDepth) levels deep here; tokentop reads at most \(maximumDepth)")
    }

    /// Spends `units` of the expansion bound, or throws when they are spent.
    /// - Parameter what: what expands the file: "aliases and merge keys".
    public mutating func spend(_ units: Int, at place: Place, _ what: String) throws(ConfigurationError) {
        spent += max(0, units)
        guard spent > maximumExpansion else { return }
        throw error(
            at: place,
            "\(what) expand the file past \(Self.grouped(maximumExpansion)) \(unit), more than a file of the largest size "
                + "tokentop reads (1 MiB) holds; tokentop stops there (a reference repeated inside a repeated reference "
                + "multiplies at every level)")
    }

    /// Throws when a file of `size` bytes is too large to read.
    /// - Parameter kind: what the file should be: "a configuration file".
    public static func checkSize(_ size: Int64, of file: String, kind: String) throws(ConfigurationError) {
        guard size > maximumFileSize else { return }
        throw ConfigurationError(file: file, message: "is \(size) bytes; \(kind) is at most 1 MiB")
    }

    private func error(at place: Place, _ message: String) -> ConfigurationError {
        ConfigurationError(issues: [
            ConfigurationIssue(
                file: place.file, line: place.line, column: place.column, keyPath: place.keyPath, message: message)
        ])
    }

    /// `1,048,576`: bounds are read by people.
    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }
}
