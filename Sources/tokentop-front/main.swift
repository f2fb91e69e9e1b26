// The front of tokentop: a small program that answers `tokentop token NAME` from the shared cache
// in a few milliseconds, and hands every other command to the full program (FullProgram).
// The full program is large: only its start-up (the loader relocating it) costs more than curl
// fetching a token, and scripts call `tokentop token` in loops (see Benchmarks/README.md).
import Foundation
import TokenHandout
import TokenModel

let arguments = CommandLine.arguments
if let request = QuickTokenRequest(arguments: Array(arguments.dropFirst())),
    let text = QuickTokenAnswer.text(
        for: request, environment: ProcessInfo.processInfo.environment,
        workingDirectory: FileManager.default.currentDirectoryPath)
{
    do {
        try LocalFile.write(text.utf8, to: STDOUT_FILENO)
        exit(0)
    } catch {
        // The full program's words and status for the same failure (printResult).
        FileHandle.standardError.write(Data("tokentop: cannot write to standard output: \(error.reason)\n".utf8))
        exit(1)
    }
}
FileHandle.standardError.write(Data((FullProgram.replaceProcess(arguments: arguments) + "\n").utf8))
exit(1)
