import TokenModel

/// The latest events, a fixed number of them, kept in place: appending overwrites the oldest
/// instead of shifting or copying the rest, so an event costs the same at 10 clients or 10,000.
struct EventRing {
    private var storage: [ManagerEvent] = []
    /// Where the oldest event is, once the storage is full.
    private var oldest = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    mutating func append(_ event: ManagerEvent) {
        if storage.count < capacity {
            storage.append(event)
        } else {
            storage[oldest] = event
            oldest = (oldest + 1) % capacity
        }
    }

    /// Oldest first.
    var inOrder: [ManagerEvent] {
        Array(storage[oldest...] + storage[..<oldest])
    }
}
