import Foundation

/// The demo's temporary folder (mode 0700) of client private keys and TLS files: the one place
/// it is made and the one place it is removed, on every path out of a start or a run.
struct DemoKeyFolder: Sendable {
    /// The folder, under the system's temporary directory.
    let url: URL

    /// Makes a new folder named `tokentop-demo-RANDOM`.
    static func make(_ random: DemoRandomSource) throws -> DemoKeyFolder {
        let url = FileManager.default.temporaryDirectory.appending(
            path: "tokentop-demo-" + random.token(byteCount: 9), directoryHint: .isDirectory)
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw DemoServerError.keyFileNotWritable(path: url.path, underlying: error)
        }
        return DemoKeyFolder(url: url)
    }

    /// Removes the folder and the private keys in it; removing it again does nothing.
    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
