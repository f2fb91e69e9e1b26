import Foundation
import FuzzTargets

// `make fuzz` builds this with the address sanitizer, coverage for libFuzzer and FUZZING
// defined, and links libFuzzer's driver; an ordinary build makes a replayer of the same targets.
//
//   TOKENTOP_FUZZ_TARGET=jwks tokentop-fuzz [libFuzzer options] CORPUS...   (fuzzing build)
//   tokentop-fuzz jwks FILE...                                              (ordinary build)

@main
enum TokentopFuzz {
    static func main() async {
        #if FUZZING
            guard let name = ProcessInfo.processInfo.environment["TOKENTOP_FUZZ_TARGET"], let target = FuzzTarget.named(name)
            else {
                fail("set TOKENTOP_FUZZ_TARGET to one of: \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
            }
            Fuzzing.target = target
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget.named(name) else {
                fail("usage: tokentop-fuzz TARGET FILE...; targets: \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
            }
            var failed = false
            for path in arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
                do {
                    try await target.check(data)
                    print("\(path): ok")
                } catch {
                    print("\(path): \(error)")
                    failed = true
                }
            }
            exit(failed ? 1 : 0)
        #endif
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("tokentop-fuzz: \(message)\n".utf8))
        exit(2)
    }
}

#if FUZZING
    /// The target libFuzzer drives; set once, before the driver starts.
    enum Fuzzing {
        nonisolated(unsafe) static var target: FuzzTarget?
    }

    /// libFuzzer's callback: a property violation is a crash, so libFuzzer keeps the input.
    private func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
        let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
        do {
            try Fuzzing.target?.checkBlocking(data)
        } catch {
            fatalError("property violated: \(error)")
        }
        return 0
    }

    /// libFuzzer's driver, from `libclang_rt.fuzzer_no_main` (its `main` would replace ours).
    @_silgen_name("LLVMFuzzerRunDriver")
    private func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt
#endif
