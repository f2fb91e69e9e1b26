/// How many terminal columns a scalar takes, without asking the C library (whose answer
/// depends on the process locale): 0 for combining marks and format characters, 2 for East
/// Asian wide characters and emoji presentation, 1 otherwise.
public enum CharacterWidth {
    public static func columns(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value >= 0x20 && value < 0x7F { return 1 }
        if isControl(scalar) { return 0 }
        if value < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0xFE00...0xFE0F).contains(value) || value == 0x200B { return 0 }
        if isWide(value) || (value >= 0x1F000 && scalar.properties.isEmojiPresentation) { return 2 }
        return 1
    }

    /// C0, DEL and C1 controls, and the bidirectional overrides that could disguise text.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (value >= 0x7F && value < 0xA0)
            || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
    }

    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
