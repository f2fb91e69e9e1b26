import Dashboard
import Foundation
import Testing

@Suite("Themes")
struct ThemeTests {
    static let shippedDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("themes")

    static let standardNames = ["default", "colorblind", "dark", "high-contrast", "light"]

    /// A fresh folder for user theme files.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-themes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("every built-in theme parses, and the five promised ones are there with no file at all")
    func builtInThemes() throws {
        let loader = ThemeLoader(directories: [URL(fileURLWithPath: "/nonexistent/tokentop/themes")])
        let (themes, problems) = loader.loadAvailable()
        #expect(problems.isEmpty)
        #expect(themes.map(\.name) == Self.standardNames)
        #expect(loader.themeNames() == Self.standardNames)
        for theme in themes {
            for role in StyleRole.allCases {
                #expect(theme.styles[role] != nil, "\(theme.name) leaves \(role.rawValue) to the fallback")
            }
        }
        let lightFile = try ThemeLoader.load(file: Self.shippedDirectory.appendingPathComponent("light.yaml"))
        #expect(try loader.load(named: "light").styles == lightFile.styles)
    }

    @Test("the themes built into the binary are themes/*.yaml byte for byte, one for each file")
    func builtInsMatchFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.shippedDirectory.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(BuiltInTheme.all.map { $0.name + ".yaml" } == files)
        for builtIn in BuiltInTheme.all {
            let data = try Data(contentsOf: Self.shippedDirectory.appendingPathComponent(builtIn.name + ".yaml"))
            #expect(Data(builtIn.yaml.utf8) == data, "\(builtIn.name) differs from its file")
        }
    }

    @Test("the built-in default is the same as themes/default.yaml")
    func builtInMatchesFile() throws {
        let file = try ThemeLoader.load(file: Self.shippedDirectory.appendingPathComponent("default.yaml"))
        #expect(file.styles == Theme.builtIn.styles)
    }

    @Test("a broken user theme is reported and skipped; a broken override keeps the built-in one")
    func brokenThemeSkipped() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "styles:\n  ok: { fg: notacolour }\n".write(
            to: folder.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        try "styles: [ok\n".write(to: folder.appendingPathComponent("dark.yaml"), atomically: true, encoding: .utf8)
        let loader = ThemeLoader(directories: [folder])
        let (themes, problems) = loader.loadAvailable()
        #expect(themes.map(\.name) == Self.standardNames)
        let builtInDark = try ThemeLoader(directories: []).load(named: "dark")
        #expect(themes.first { $0.name == "dark" } == builtInDark)
        #expect(problems.count == 2)
        let broken = try #require(problems.first { $0.contains("broken.yaml") })
        #expect(broken.hasPrefix("theme broken skipped: "))
        let dark = try #require(problems.first { $0.contains("dark.yaml") })
        #expect(dark.hasSuffix("(the built-in dark is used instead)"))
        #expect(loader.themeNames().contains("broken"), "the name is known, so choosing it says what is wrong")
        #expect(throws: ThemeError.self) { try loader.load(named: "broken") }
    }

    @Test("a user theme adds to the built-in ones, and one with a built-in's name replaces it")
    func userThemes() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "styles:\n  ok: brightgreen\n".write(
            to: folder.appendingPathComponent("light.yaml"), atomically: true, encoding: .utf8)
        try "styles:\n  ok: red\n".write(to: folder.appendingPathComponent("mine.yml"), atomically: true, encoding: .utf8)
        let (themes, problems) = ThemeLoader(directories: [folder]).loadAvailable()
        #expect(problems.isEmpty)
        #expect(themes.map(\.name) == ["default", "colorblind", "dark", "high-contrast", "light", "mine"])
        #expect(themes.first { $0.name == "light" }?.styles[.ok] == RoleStyle(foreground: .ansi(10)))
        #expect(themes.first { $0.name == "mine" }?.styles[.ok] == RoleStyle(foreground: .ansi(1)))
    }

    @Test("with no built-in themes and no files, the default still works")
    func noDirectory() throws {
        let loader = ThemeLoader(directories: [URL(fileURLWithPath: "/nonexistent/tokentop/themes")], builtIns: [])
        #expect(try loader.load(named: "default") == .builtIn)
        #expect(loader.loadAvailable().themes.map(\.name) == ["default"])
        #expect {
            try loader.load(named: "dark")
        } throws: { error in
            "\(error)" == "no theme named 'dark' (available: default)"
        }
    }

    @Test("the standard search: TOKENTOP_THEMES first, then PREFIX/share/tokentop/themes, then XDG_CONFIG_HOME")
    func standardSearch() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let custom = root.appendingPathComponent("custom")
        let installed = root.appendingPathComponent("prefix/share/tokentop/themes")
        let config = root.appendingPathComponent("config/tokentop/themes")
        for folder in [custom, installed, config] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        try "styles:\n  ok: brightgreen\n".write(
            to: custom.appendingPathComponent("dark.yaml"), atomically: true, encoding: .utf8)
        try "styles:\n  ok: red\n".write(to: installed.appendingPathComponent("dark.yaml"), atomically: true, encoding: .utf8)
        try "styles:\n  ok: red\n".write(to: installed.appendingPathComponent("site.yaml"), atomically: true, encoding: .utf8)
        try "styles:\n  ok: blue\n".write(to: config.appendingPathComponent("site.yaml"), atomically: true, encoding: .utf8)
        try "styles:\n  ok: blue\n".write(to: config.appendingPathComponent("personal.yaml"), atomically: true, encoding: .utf8)
        let loader = ThemeLoader.standard(
            environment: ["TOKENTOP_THEMES": custom.path, "XDG_CONFIG_HOME": root.appendingPathComponent("config").path],
            executable: root.appendingPathComponent("prefix/bin/tokentop"))
        #expect(
            loader.directories.map(\.standardizedFileURL.path) == [custom, installed, config].map(\.standardizedFileURL.path))
        #expect(try loader.load(named: "dark").styles[.ok] == RoleStyle(foreground: .ansi(10)), "TOKENTOP_THEMES wins")
        #expect(try loader.load(named: "site").styles[.ok] == RoleStyle(foreground: .ansi(1)), "the installed themes come next")
        #expect(try loader.load(named: "personal").styles[.ok] == RoleStyle(foreground: .ansi(4)))
        #expect(try loader.load(named: "colorblind").name == "colorblind", "the built-in themes are still there")
        // The full program behind the front: PREFIX/libexec/tokentop/tokentop finds the same PREFIX's themes.
        let behindFront = ThemeLoader.standard(
            environment: [:], executable: root.appendingPathComponent("prefix/libexec/tokentop/tokentop"))
        #expect(behindFront.directories.first?.standardizedFileURL.path == installed.standardizedFileURL.path)
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
        #expect(
            ThemeColor.rgb(red: 0x30, green: 0x30, blue: 0x30).fitted(to: .full256) == .indexed(236), "greys use the grey ramp")
        #expect(ThemeColor.rgb(red: 255, green: 0, blue: 0).fitted(to: .full256) == .indexed(196))
        #expect(
            ThemeColor.rgb(red: 0x56, green: 0xb4, blue: 0xe9).fitted(to: .eight) == .indexed(6), "sky blue is cyan on 8 colours")
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
