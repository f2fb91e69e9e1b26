import Foundation
import Testing
import TokenModel

#if canImport(Glibc)
    import Glibc
#endif

/// The one way tokentop reads and appends to local files.
@Suite("Local files", .timeLimit(.minutes(1)))
struct LocalFileTests {
    /// A fresh folder for one test, removed afterwards.
    func withFolder(_ body: (String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tokentop-files-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try body(folder)
    }

    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test("a FIFO, a device and a directory are refused at once, naming the path")
    func readRefusesSpecialFiles() throws {
        try withFolder { folder in
            let fifo = folder + "/key.pem"
            #expect(mkfifo(fifo, 0o600) == 0)
            #expect(throws: LocalFileError.self) { try LocalFile.read(fifo) }
            do throws(LocalFileError) {
                _ = try LocalFile.read(fifo)
            } catch {
                #expect(error.description == "\(fifo): is a FIFO, not a regular file")
            }
            for (path, problem) in [
                ("/dev/zero", "is a character device, not a regular file"), (folder, "is a directory, not a regular file"),
                (folder + "/none", "no such file"),
            ] {
                do throws(LocalFileError) {
                    _ = try LocalFile.readText(path)
                    Issue.record("\(path) was read")
                } catch {
                    #expect(error.problem == problem)
                    #expect(error.isMissing == (problem == "no such file"))
                }
            }
        }
    }

    @Test("a file over the limit is refused; one within it is read whole, through a symbolic link too")
    func readBounded() throws {
        try withFolder { folder in
            let file = folder + "/secret"
            try "0123456789".write(toFile: file, atomically: true, encoding: .utf8)
            let link = folder + "/link"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: file)
            #expect(try LocalFile.readText(link, limit: 10) == "0123456789")
            #expect(throws: LocalFileError.self) { try LocalFile.read(file, limit: 9) }
            let pipe = Pipe()
            pipe.fileHandleForWriting.write(Data(count: 100))
            try pipe.fileHandleForWriting.close()
            do throws(LocalFileError) {
                _ = try LocalFile.read(descriptor: pipe.fileHandleForReading.fileDescriptor, limit: 99, path: "standard input")
                Issue.record("100 bytes were read with a limit of 99")
            } catch {
                #expect(error.description == "standard input: is longer than the 99 bytes tokentop reads")
            }
        }
    }

    @Test("appending creates the file 0600 and makes an existing one 0600; a link, a FIFO and a read-only file are refused")
    func appendingRules() throws {
        try withFolder { folder in
            let fresh = folder + "/new.log"
            let descriptor = try LocalFile.openForAppending(fresh)
            close(descriptor)
            #expect(try mode(fresh) == 0o600)

            let open = folder + "/open.log"
            #expect(
                FileManager.default.createFile(atPath: open, contents: Data("old\n".utf8), attributes: [.posixPermissions: 0o644])
            )
            let appending = try LocalFile.openForAppending(open)
            try LocalFile.write("new\n".utf8, to: appending)
            close(appending)
            #expect(try mode(open) == 0o600)
            #expect(try String(contentsOfFile: open, encoding: .utf8) == "old\nnew\n")

            let victim = folder + "/victim"
            try "untouched".write(toFile: victim, atomically: true, encoding: .utf8)
            let link = folder + "/planted.log"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
            #expect(throws: LocalFileError.self) { try LocalFile.openForAppending(link) }
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched")

            let fifo = folder + "/events.fifo"
            #expect(mkfifo(fifo, 0o600) == 0)
            do throws(LocalFileError) {
                _ = try LocalFile.openForAppending(fifo)
                Issue.record("a FIFO was opened")
            } catch {
                #expect(error.problem == "is a FIFO, not a regular file")
            }

            let readOnly = folder + "/read-only"
            #expect(FileManager.default.createFile(atPath: readOnly, contents: nil, attributes: [.posixPermissions: 0o444]))
            do throws(LocalFileError) {
                _ = try LocalFile.openForAppending(readOnly)
                Issue.record("a read-only file was opened")
            } catch {
                #expect(error.problem == "is read-only (mode 0444); tokentop does not make it writable")
            }
            #expect(try mode(readOnly) == 0o444)
        }
    }

    @Test("a device is a sink as it is, its mode untouched; a write to a full disk says so and how much got out")
    func devicesAndFullDisk() throws {
        let before = try mode("/dev/full")
        let full = try LocalFile.openForAppending("/dev/full")
        #expect(try mode("/dev/full") == before)
        defer { close(full) }
        do throws(LocalFile.WriteFailure) {
            try LocalFile.write("line\n".utf8, to: full)
            Issue.record("a write to /dev/full succeeded")
        } catch {
            #expect(error.errno == ENOSPC)
            #expect(error.written == 0)
            #expect(error.reason == "No space left on device")
        }
    }

    @Test("a path that exists and is not a regular file is not replaceable; a regular file or a new path is")
    func replaceable() throws {
        try withFolder { folder in
            try LocalFile.requireReplaceable(folder + "/new.yaml")
            let file = folder + "/tokentop.yaml"
            try "clients: {}\n".write(toFile: file, atomically: true, encoding: .utf8)
            try LocalFile.requireReplaceable(file)
            let link = folder + "/stdout"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/dev/null")
            for path in [link, "/dev/null", folder] {
                #expect(throws: LocalFileError.self, "\(path)") { try LocalFile.requireReplaceable(path) }
            }
        }
    }

    @Test("who besides the owner may read a file")
    func readers() throws {
        try withFolder { folder in
            let file = folder + "/token"
            for (mode, readers) in [(0o600, nil), (0o640, "its group"), (0o644, "others")] as [(Int, String?)] {
                #expect(FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: mode]))
                try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
                #expect(LocalFile.readers(of: file) == readers)
            }
        }
    }
}
