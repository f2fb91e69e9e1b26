import Foundation
import TokenModel

/// A failure the CLI reports in one line before exiting with its code: 2 for configuration
/// and usage, 1 for everything that went wrong at run time.
struct CLIError: Error, CustomStringConvertible {
    enum Kind { case usage, runtime }

    let kind: Kind
    let description: String

    static func usage(_ message: String) -> CLIError { CLIError(kind: .usage, description: message) }
    static func runtime(_ message: String) -> CLIError { CLIError(kind: .runtime, description: message) }

    var exitCode: Int32 { kind == .usage ? 2 : 1 }
}

/// Writes to standard error, where warnings and errors go so stdout stays for data. A failure
/// is dropped: there is nowhere left to say it.
func printError(_ message: String) {
    try? LocalFile.write((message + "\n").utf8, to: STDERR_FILENO)
}

/// Writes a command's data to standard output, at once (unbuffered, so a script reading a pipe
/// sees it). A failed write (a full disk, a closed pipe) is a runtime error, exit 1: a script
/// must not take `tokentop token > file` on a full disk for a token written.
func printResult(_ text: String, terminator: String = "\n") throws(CLIError) {
    do {
        try LocalFile.write((text + terminator).utf8, to: STDOUT_FILENO)
    } catch {
        throw CLIError.runtime("cannot write to standard output: \(error.reason)")
    }
}

/// All of standard input, at most `LocalFile.maximumSize`: `< /dev/zero` is refused, not read
/// forever. `what` names the input in the error.
func readStandardInput(holding what: String) throws(CLIError) -> String {
    do {
        return String(decoding: try LocalFile.read(descriptor: STDIN_FILENO, path: "standard input"), as: UTF8.self)
    } catch {
        throw CLIError.usage("\(what) on \(error)")
    }
}
