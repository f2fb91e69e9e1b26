/// Masks secrets and tokens wherever they could be shown or logged.
public enum Redaction {
    /// The first four and last two characters, joined by an ellipsis (`eyJr…9Q`);
    /// short values are hidden entirely so that little is revealed.
    public static func mask(_ secret: String) -> String {
        guard secret.count >= 12 else { return secret.isEmpty ? "" : "••••" }
        return "\(secret.prefix(4))…\(secret.suffix(2))"
    }
}

/// Makes text from the network safe to print on a terminal: control characters and
/// escape sequences are removed, so a hostile body cannot move the cursor, retitle the
/// window, change colours or write to the clipboard.
public enum TerminalText {
    /// Strips ESC-introduced sequences (CSI, OSC, DCS and two-byte escapes) and every other
    /// C0/C1 control character. Newlines and tabs become spaces when `singleLine` is set,
    /// and are otherwise kept.
    public static func sanitize(_ text: String, singleLine: Bool = true) -> String {
        var output = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar.value {
            case 0x1B: // ESC: skip the whole sequence
                guard let next = scalars.next() else { break }
                switch next {
                case "[": skipCSI(&scalars)
                case "]", "P", "X", "^", "_": skipString(&scalars)
                default: break // a two-byte escape: both dropped
                }
            case 0x9B: skipCSI(&scalars)
            case 0x9D, 0x90, 0x98, 0x9E, 0x9F: skipString(&scalars)
            case 0x0A, 0x0D, 0x09:
                if singleLine {
                    if output.last != " " { output.append(" ") }
                } else if scalar.value != 0x0D {
                    output.append(scalar.value == 0x09 ? " " : scalar)
                }
            case 0x00..<0x20, 0x7F, 0x80..<0xA0:
                break
            case 0x202A...0x202E, 0x2066...0x2069:
                break // bidirectional overrides could disguise what is shown
            default:
                output.append(scalar)
            }
        }
        return String(output)
    }

    /// CSI: parameters and intermediates up to a final byte in 0x40...0x7E.
    private static func skipCSI(_ scalars: inout String.UnicodeScalarView.Iterator) {
        while let scalar = scalars.next() {
            if (0x40...0x7E).contains(scalar.value) { return }
        }
    }

    /// OSC, DCS, SOS, PM, APC: up to BEL or the string terminator ESC \ (or 0x9C).
    private static func skipString(_ scalars: inout String.UnicodeScalarView.Iterator) {
        while let scalar = scalars.next() {
            if scalar.value == 0x07 || scalar.value == 0x9C { return }
            if scalar.value == 0x1B {
                _ = scalars.next()
                return
            }
        }
    }
}
