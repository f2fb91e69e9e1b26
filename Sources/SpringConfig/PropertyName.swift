/// A property name compared the way Spring Boot's relaxed binding compares it: `client-id`,
/// `clientId`, `client_id` and `CLIENTID` are one name. Each dotted element is lower-cased with
/// `-` and `_` dropped; list indexes (`[0]`) and bracketed map keys (`[/path]`) are kept as written.
struct PropertyName: Hashable, Sendable, CustomStringConvertible {
    let elements: [String]

    init(elements: [String]) {
        self.elements = elements
    }

    /// `spring.security.oauth2.client.registration.mod-client.scope[0]` as written in a file.
    init(_ dotted: String) {
        elements = Self.writtenElements(dotted).map { $0.hasPrefix("[") ? $0 : Self.normalized($0) }
    }

    /// A dotted name's elements as written: `a.b-c[0].d` is `a`, `b-c`, `[0]`, `d`.
    static func writtenElements(_ dotted: String) -> [String] {
        var elements: [String] = []
        var current = ""
        var bracketDepth = 0
        for character in dotted {
            if bracketDepth > 0 {
                current.append(character)
                if character == "[" { bracketDepth += 1 }
                if character == "]" { bracketDepth -= 1 }
                if bracketDepth == 0 {
                    elements.append(current)
                    current = ""
                }
            } else if character == "[" {
                if !current.isEmpty { elements.append(current) }
                current = "["
                bracketDepth = 1
            } else if character == "." {
                if !current.isEmpty { elements.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { elements.append(current) }
        return elements
    }

    /// The name an environment variable overrides in Spring's form: `_` separates elements,
    /// a number is a list index (`MY_LIST_0_NAME` is `my.list[0].name`). Nil for variables whose
    /// names are not of letters, digits and `_`.
    init?(environmentVariable variable: String) {
        let parts = variable.split(separator: "_", omittingEmptySubsequences: false)
        guard !variable.isEmpty, parts.allSatisfy({ !$0.isEmpty }),
            variable.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_")
            })
        else { return nil }
        elements = parts.map { part in
            part.allSatisfy(\.isNumber) ? "[\(Int(part).map(String.init) ?? String(part))]" : part.lowercased()
        }
    }

    /// `a-B_c` becomes `abc`.
    static func normalized(_ element: String) -> String {
        String(element.lowercased().filter { $0 != "-" && $0 != "_" })
    }

    /// This name with more elements, each normalized.
    func appending(_ more: String...) -> PropertyName {
        PropertyName(elements: elements + more.map { $0.hasPrefix("[") ? $0 : Self.normalized($0) })
    }

    /// Whether `prefix` is this name's start (or the name itself).
    func hasPrefix(_ prefix: PropertyName) -> Bool {
        elements.count >= prefix.elements.count && Array(elements.prefix(prefix.elements.count)) == prefix.elements
    }

    var parent: PropertyName { PropertyName(elements: Array(elements.dropLast())) }
    var last: String { elements.last ?? "" }

    var description: String {
        elements.reduce("") { text, element in
            text.isEmpty ? element : element.hasPrefix("[") ? text + element : text + "." + element
        }
    }
}
