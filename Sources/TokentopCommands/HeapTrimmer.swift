import Foundation
import Glibc
import ServiceLifecycle

/// Gives the C heap's free pages back to the system once a minute, for `serve`. glibc keeps
/// what a burst freed (the start-up fetches of thousands of clients, one whole
/// `/api/v1/clients` listing) for reuse, so without this the resident size stays at the
/// burst's peak for as long as the daemon runs. `malloc_trim` walks the heap and blocks for a
/// few milliseconds at 10,000 clients, so it runs on a thread of its own, off the pool that
/// serves requests and refreshes tokens.
struct HeapTrimmer: Service {
    var interval: Duration = .seconds(60)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while (try? await Task.sleep(for: interval)) != nil {
                await Self.trim()
            }
        }
    }

    /// glibc's `malloc_trim`; nil where the C library has none. `malloc.h` is not part of the
    /// Glibc module, so the symbol is looked up.
    static var mallocTrim: (@convention(c) (Int) -> Int32)? {
        dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self) }
    }

    /// Returns free heap pages to the system, as `malloc_trim(0)` does, and waits until it has.
    static func trim() async {
        guard let mallocTrim else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                _ = mallocTrim(0)
                continuation.resume()
            }
        }
    }
}
