import Dashboard
import Foundation
import Testing

@Suite("Themes")
struct ThemeTests {
    static let shippedDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("themes")

    @Test("every shipped theme parses, and the five promised ones are there")
    func shippedThemes() throws {
        let loader = ThemeLoader(directories: [Self.shippedDirectory])
        let (themes, problems) = loader.loadAvailable()
        #expect(problems.isEmpty)
        let names = themes.map(\.name)
        for name in ["default", "dark", "light", "high-contrast", "colorblind"] {
            #expect(names.contains(name))
        }
        #expect(names.first == "default")
        for theme in themes {
            for role in StyleRole.allCases {
                #expect(theme.styles[role] != nil, "\(theme.name) leaves \(role.rawValue) to the fallback")
            }
        }
    }

    @Test("the built-in default is the same as themes/default.yaml")
    func builtInMatchesFile() throws {
        let file = try ThemeLoader.load(file: Self.shippedDirectory.appendingPathComponent("default.yaml"))
        #expect(file.styles == Theme.builtIn.styles)
    }

    @Test("a broken user theme is reported and skipped; the others still load")
    func brokenThemeSkipped() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "styles:\n  ok: { fg: notacolour }\n".write(to: folder.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let loader = ThemeLoader(directories: [folder, Self.shippedDirectory])
        let (themes, problems) = loader.loadAvailable()
        #expect(!themes.map(\.name).contains("broken"))
        #expect(themes.map(\.name).contains("dark"))
        #expect(problems.count == 1)
        #expect(problems.first?.contains("broken") == true)
        #expect(problems.first?.contains("broken.yaml") == true)
    }

    @Test("the default theme works with no themes directory at all")
    func noDirectory() throws {
        let loader = ThemeLoader(directories: [URL(fileURLWithPath: "/nonexistent/tokentop/themes")])
        #expect(try loader.load(named: "default") == .builtIn)
        #expect(loader.loadAvailable().themes.map(\.name) == ["default"])
        #expect {
            try loader.load(named: "dark")
        } throws: { error in
            "\(error)" == "no theme named 'dark' (available: default)"
        }
    }

    @Test("the standard search finds the shipped themes from the test binary, and honours TOKENTOP_THEMES first")
    func standardSearch() throws {
        let custom = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: custom, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: custom) }
        try "name: dark\nstyles:\n  ok: brightgreen\n".write(to: custom.appendingPathComponent("dark.yaml"), atomically: true, encoding: .utf8)
        let loader = ThemeLoader.standard(environment: ["TOKENTOP_THEMES": custom.path, "HOME": "/nonexistent"])
        #expect(loader.directories.first?.standardizedFileURL.path == custom.standardizedFileURL.path)
        let dark = try loader.load(named: "dark")
        #expect(dark.styles[.ok] == RoleStyle(foreground: .ansi(10)), "the directory named by TOKENTOP_THEMES wins")
        #expect(try loader.load(named: "colorblind").name == "colorblind", "shipped themes are still found")
    }

    @Test("a bad colour names the file, the key and the line")
    func badColour() throws {
        let yaml = "name: broken\nstyles:\n  ok: { fg: green }\n  error: { fg: bluish, bold: true }\n"
        #expect {
            try ThemeLoader.parse(yaml: yaml, name: "broken", source: "/tmp/themes/broken.yaml")
        } throws: { error in
            let error = error as! ThemeError
            return error.file == "/tmp/themes/broken.yaml" && error.line == 4 && error.key == "styles.error.fg"
                && "\(error)".hasPrefix("/tmp/themes/broken.yaml:4: styles.error.fg: 'bluish' is not a colour")
        }
    }

    @Test("an unknown key is named with its line")
    func unknownKeys() {
        #expect {
            try ThemeLoader.parse(yaml: "styles:\n  okay: red\n", name: "x", source: "x.yaml")
        } throws: { error in
            "\(error)".hasPrefix("x.yaml:2: unknown key 'styles.okay'")
        }
        #expect {
            try ThemeLoader.parse(yaml: "styles:\n  ok: { fg: red, blink: true }\n", name: "x", source: "x.yaml")
        } throws: { error in
            "\(error)".hasPrefix("x.yaml:2: unknown key 'styles.ok.blink' (expected one of: fg, bg, bold")
        }
        #expect {
            try ThemeLoader.parse(yaml: "colours:\n  ok: red\n", name: "x", source: "x.yaml")
        } throws: { error in
            "\(error)".hasPrefix("x.yaml:1: unknown key 'colours'")
        }
        #expect(throws: ThemeError.self) { try ThemeLoader.parse(yaml: "styles: [ok", name: "x", source: "x.yaml") }
    }

    @Test("palette anchors are shared through aliases, and a bare colour sets the foreground")
    func anchors() throws {
        let yaml = """
            palette:
              accent: &accent "#0072b2"
            styles:
              ok: *accent
              key: { fg: *accent, bold: true }
            """
        let theme = try ThemeLoader.parse(yaml: yaml, name: "anchored", source: nil)
        #expect(theme.styles[.ok] == RoleStyle(foreground: .rgb(red: 0, green: 0x72, blue: 0xb2)))
        #expect(theme.styles[.key] == RoleStyle(foreground: .rgb(red: 0, green: 0x72, blue: 0xb2), attributes: .bold))
        #expect(theme.styles[.critical] == Theme.builtIn.styles[.critical], "roles left out keep the default")
    }
}

@Suite("Colour degradation")
struct ColourTests {
    @Test("colour names, #rrggbb and 0–255 parse; nonsense does not")
    func parsing() {
        #expect(ThemeColor(parsing: "red") == .ansi(1))
        #expect(ThemeColor(parsing: "BrightBlue") == .ansi(12))
        #expect(ThemeColor(parsing: "default") == .terminalDefault)
        #expect(ThemeColor(parsing: "#ff8000") == .rgb(red: 255, green: 128, blue: 0))
        #expect(ThemeColor(parsing: "208") == .indexed(208))
        for bad in ["bluish", "256", "#ff80", "#gg0000", ""] {
            #expect(ThemeColor(parsing: bad) == nil, "\(bad) should not parse")
        }
    }

    @Test("#rrggbb becomes the nearest of 256 colours, then of 8")
    func rgbDegrades() {
        let orange = ThemeColor.rgb(red: 0xe6, green: 0x9f, blue: 0x00)
        #expect(orange.fitted(to: .full256) == .indexed(178))
        #expect(orange.fitted(to: .eight) == .indexed(3), "Okabe–Ito orange is nearest to yellow of the 8")
        #expect(ThemeColor.rgb(red: 0x30, green: 0x30, blue: 0x30).fitted(to: .full256) == .indexed(236), "greys use the grey ramp")
        #expect(ThemeColor.rgb(red: 255, green: 0, blue: 0).fitted(to: .full256) == .indexed(196))
        #expect(ThemeColor.rgb(red: 0x56, green: 0xb4, blue: 0xe9).fitted(to: .eight) == .indexed(6), "sky blue is cyan on 8 colours")
        #expect(ThemeColor.rgb(red: 255, green: 255, blue: 255).fitted(to: .sixteen) == .indexed(15))
    }

    @Test("bright and 256-colour entries fold down to what the terminal has")
    func indexedDegrades() {
        #expect(ThemeColor.ansi(12).fitted(to: .eight) == .indexed(4))
        #expect(ThemeColor.ansi(12).fitted(to: .sixteen) == .indexed(12))
        #expect(ThemeColor.indexed(196).fitted(to: .eight) == .indexed(1))
        #expect(ThemeColor.indexed(196).fitted(to: .full256) == .indexed(196))
        #expect(ThemeColor.terminalDefault.fitted(to: .eight) == .terminalDefault)
    }

    @Test("NO_COLOR or a colourless terminal leaves attributes only")
    func monochrome() throws {
        #expect(ColorDepth(colors: 256, noColor: true) == .monochrome)
        #expect(ColorDepth(colors: 0, noColor: false) == .monochrome)
        #expect(ColorDepth(colors: 8, noColor: false) == .eight)
        #expect(ColorDepth(colors: 88, noColor: false) == .sixteen)
        #expect(ColorDepth(colors: 16_777_216, noColor: false) == .full256)
        #expect(ColorDepth.noColorRequested(in: ["NO_COLOR": "1"]))
        #expect(!ColorDepth.noColorRequested(in: ["NO_COLOR": ""]), "an empty NO_COLOR does not count")
        let dark = try ThemeLoader(directories: [ThemeTests.shippedDirectory]).load(named: "dark")
        #expect(dark.style(.critical, depth: .monochrome) == Style(attributes: [.bold, .underline]))
        #expect(dark.style(.selection, depth: .monochrome) == Style(attributes: .reverse))
    }
}
