import DashboardCaptures
import Foundation

// `make captures`: README's terminal pictures drawn afresh by the real renderer from fixed
// fixtures. Usage: tokentop-captures [README.md]
let path = CommandLine.arguments.dropFirst().first ?? "README.md"
do {
    let readme = try String(contentsOfFile: path, encoding: .utf8)
    let updated = try ReadmeCaptures.updated(readme)
    if updated != readme { try updated.write(toFile: path, atomically: true, encoding: .utf8) }
    print("\(path): \(ReadmeCaptures.markedNames(readme).count) captures" + (updated == readme ? ", unchanged" : ", redrawn"))
} catch {
    FileHandle.standardError.write(Data("tokentop-captures: \(error)\n".utf8))
    exit(1)
}
