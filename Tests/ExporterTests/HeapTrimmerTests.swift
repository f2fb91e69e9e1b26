import Foundation
import Testing

@testable import TokentopCommands

/// `serve`'s heap trimmer must find glibc's `malloc_trim`, or it silently trims nothing.
@Suite("serve gives freed heap back")
struct HeapTrimmerTests {
    @Test("glibc's malloc_trim is found, and a trim returns")
    func trimIsAvailable() async {
        #expect(HeapTrimmer.mallocTrim != nil)
        await HeapTrimmer.trim()
    }
}
