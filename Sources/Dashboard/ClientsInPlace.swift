import TokenModel

extension Array where Element == ClientSnapshot {
    /// `read` of each client, the client reached where it lies in the array, so that reading
    /// one field (`client.pointee.name`) copies that field alone. Through Array's subscript
    /// the whole client was copied out first, every field retained and released: over 10,000
    /// clients once a second, that was a sixth of a frame (perf).
    func mapInPlace<Result>(_ read: (UnsafePointer<ClientSnapshot>) -> Result) -> [Result] {
        withUnsafeBufferPointer { clients in
            guard let first = clients.baseAddress else { return [] }
            var results: [Result] = []
            results.reserveCapacity(clients.count)
            for index in clients.indices { results.append(read(first + index)) }
            return results
        }
    }

    /// `read` of each client, reached in place as `mapInPlace` reaches it.
    func forEachInPlace(_ read: (UnsafePointer<ClientSnapshot>) -> Void) {
        withUnsafeBufferPointer { clients in
            guard let first = clients.baseAddress else { return }
            for index in clients.indices { read(first + index) }
        }
    }
}
