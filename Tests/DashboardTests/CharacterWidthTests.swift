import Dashboard
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every cell must be as wide as the terminal draws its character, or the rest of the row moves.
/// ncurses advances the cursor by the C library's `wcwidth`, so that is the reference.
@Suite("Character widths")
struct CharacterWidthTests {
    #if canImport(Glibc)
        @Test("every assigned character is as wide as the C library (ncurses' wcwidth, UTF-8) says")
        func widthsAgreeWithTheCLibrary() throws {
            typealias WCWidth = @convention(c) (Int32) -> Int32
            let program = try #require(dlopen(nil, RTLD_NOW))
            defer { dlclose(program) }
            let symbol = try #require(dlsym(program, "wcwidth"))
            let wcwidth = unsafeBitCast(symbol, to: WCWidth.self)
            // The locale of this thread only: tests run side by side.
            let utf8 = try #require(newlocale(LC_CTYPE_MASK, "C.UTF-8", nil))
            let previous = uselocale(utf8)
            defer {
                uselocale(previous)
                freelocale(utf8)
            }
            // U+1171E AHOM CONSONANT SIGN MEDIAL RA became a spacing mark in Unicode 14; glibc 2.36 still says 0.
            let known: Set<UInt32> = [0x1171E]
            var disagreements: [String] = []
            for value in UInt32(0x20)...0x10FFFF where !known.contains(value) {
                guard let scalar = Unicode.Scalar(value), scalar.properties.generalCategory != .privateUse else { continue }
                let reference = wcwidth(Int32(value))
                guard reference >= 0 else { continue } // unassigned for the C library
                let ours = CharacterWidth.columns(of: scalar)
                if ours != Int(reference), ours != 0 || !Self.isControl(value) {
                    disagreements.append("U+\(String(value, radix: 16, uppercase: true)) \(ours) ≠ \(reference)")
                }
            }
            #expect(disagreements.isEmpty, "\(disagreements.count): \(disagreements.prefix(20))")
        }
    #endif

    @Test(
        "emoji drawn as pictures are two columns wherever they are in Unicode; a flag's letters one each",
        arguments: [
            ("⌚", 2), ("✅", 2), ("☕", 2), ("🎉", 2), ("漢", 2), ("〈", 2), ("🇫", 1), ("✔", 1), ("a", 1), ("\u{301}", 0),
        ] as [(Unicode.Scalar, Int)])
    func examples(scalar: Unicode.Scalar, columns: Int) {
        #expect(CharacterWidth.columns(of: scalar) == columns)
    }

    /// Controls are dropped, never drawn: the C library's -1 or 0 for them is not compared.
    static func isControl(_ value: UInt32) -> Bool {
        value < 0x20 || (0x7F..<0xA0).contains(value) || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
    }
}
