import Foundation
import Testing
import TokenConfig

@testable import SpringConfig

@Suite("application.properties in the whole java.util.Properties syntax")
struct PropertiesParserTests {
    func values(_ text: String) throws -> [String: String] {
        let documents = try PropertiesParser.documents(text, file: "application.properties")
        var values: [String: String] = [:]
        for property in documents.flatMap({ $0 }) { values[property.name] = property.value }
        return values
    }

    @Test("`=`, `:` and white space separate key and value, with blanks around them dropped")
    func separators() throws {
        let parsed = try values("a=1\nb : 2\nc 3\n  d\t=\t4\ne\nf=\ng:=5")
        #expect(parsed == ["a": "1", "b": "2", "c": "3", "d": "4", "e": "", "f": "", "g": "=5"])
    }

    @Test("`#` and `!` start comments, even when they end in a backslash; blank lines are skipped")
    func comments() throws {
        let parsed = try values("# comment \\\n! also a comment\n\n   \na=1 # not a comment\n")
        #expect(parsed == ["a": "1 # not a comment"])
    }

    @Test("a backslash at the end of a line continues it, dropping the next line's leading blanks")
    func continuations() throws {
        let parsed = try values("list=a,\\\n     b,\\\n\tc\nend=C:\\\\temp\\\\\nnext=x")
        #expect(parsed["list"] == "a,b,c")
        #expect(parsed["end"] == "C:\\temp\\")
        #expect(parsed["next"] == "x")
    }

    @Test("escapes: \\t \\n \\r \\f, \\uXXXX (surrogate pairs too), and any other escaped character as itself")
    func escapes() throws {
        let parsed = try values(##"key\ with\:odd\=chars=t\tn\nr\rf\fu\u00e9\uD83D\uDE00 q\"x\#"##)
        #expect(parsed["key with:odd=chars"] == "t\tn\nr\rf\u{0C}u\u{e9}\u{1F600} q\"x#")
    }

    @Test("a malformed \\u escape is an error at its line and column")
    func badUnicode() {
        #expect {
            _ = try PropertiesParser.documents("a=1\nb=x\\u12g4\n", file: "application.properties")
        } throws: { error in
            (error as? ConfigurationError)?.description
                == "application.properties:2:4: malformed \\uXXXX escape: expected four hexadecimal digits after \\u"
        }
    }

    @Test("the fixture: every form, `#---` documents, CRLF lines, values placed at their line and column")
    func fixtureFile() throws {
        let text = try String(contentsOfFile: fixture("properties/application.properties"), encoding: .utf8)
        let documents = try PropertiesParser.documents(text, file: "application.properties")
        #expect(documents.count == 2)
        let first = Dictionary(documents[0].map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        #expect(first["spring.security.oauth2.client.registration.mod.client-id"]?.value == "0oaprops")
        #expect(first["spring.security.oauth2.client.registration.mod.client-id"].map { [$0.line, $0.column] } == [3, 60])
        #expect(first["spring.security.oauth2.client.registration.mod.scope"]?.value == "custom_mod,custom_read")
        #expect(first["spring.security.oauth2.client.registration.mod.client-authentication-method"]?.value == "basic")
        #expect(
            first["spring.security.oauth2.client.provider.mod.token-uri"]?.value
                == "https://dev-123.okta.com/oauth2/default/v1/token")
        #expect(first["app.path"]?.value == "C:\\temp\\")
        #expect(first["app.motto"]?.value == "café au lait")
        #expect(first["app.key with spaces"]?.value == "kept=as:is")
        let second = Dictionary(documents[1].map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        #expect(second["spring.config.activate.on-profile"] == "staging")
        #expect(second["app.crlf"] == "one")
        #expect(second["app.crlf2"] == "two")
    }
}
