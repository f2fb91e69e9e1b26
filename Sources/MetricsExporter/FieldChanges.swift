import TokenModel

/// Where one client's snapshot changed, place by place, for an answer to `since` that sends a
/// merge patch (`MergePatch`): per place noted (`token.decoded.claims.exp`), the generation it
/// last changed in. Sparse, and numbers only: the places themselves are kept once for the whole
/// index (`FieldPlaces`), and no encoded snapshot is kept.
struct FieldChanges: Sendable {
    /// How many places a client may have noted; past that it starts afresh (a token whose claim
    /// names change with every refresh would otherwise grow without end).
    static let memory = 128

    /// Since when changes are told place by place: the generation the client was first seen in,
    /// or last started afresh; a watcher from before gets the whole snapshot.
    private(set) var since: UInt64
    private var changes: [Change] = []

    /// A place, by its number in `FieldPlaces`, and the generation it last changed in.
    private struct Change: Sendable {
        var place: UInt32
        var at: UInt64
    }

    init(since generation: UInt64) {
        since = generation
    }

    /// Notes the places where `new` differs from `old` at `generation`; starts afresh when either
    /// cannot be encoded or there are more places than can be kept.
    mutating func note(from old: ClientSnapshot, to new: ClientSnapshot, at generation: UInt64, places: inout FieldPlaces) {
        guard let before = ClientFields.encoded(old), let after = ClientFields.encoded(new) else {
            return startAfresh(at: generation)
        }
        var changed: [MergePatch.Place] = []
        MergePatch.differences(from: .object(before), to: .object(after), into: &changed)
        for place in changed {
            guard let number = places.number(of: place) else { return startAfresh(at: generation) }
            if let position = changes.firstIndex(where: { $0.place == number }) {
                changes[position].at = generation
            } else {
                changes.append(Change(place: number, at: generation))
            }
        }
        if changes.count > Self.memory { startAfresh(at: generation) }
    }

    /// The places to patch for a watcher that holds the client as of `generation`; nil when only
    /// the whole snapshot will do.
    func places(since generation: UInt64, in places: FieldPlaces) -> [MergePatch.Place]? {
        guard generation >= since else { return nil }
        return changes.filter { $0.at > generation }.map { places[$0.place] }
    }

    private mutating func startAfresh(at generation: UInt64) {
        since = generation
        changes = []
    }
}

/// The places noted in any client's snapshot, numbered once for the whole index: most are the
/// same for every client (`token.expires_at`), so a client keeps four bytes a place.
struct FieldPlaces: Sendable {
    /// How many places are numbered; past that a client with a place never seen starts afresh.
    /// Bounded because claim and extra field names come from outside.
    static let capacity = 4096

    private var places: [MergePatch.Place] = []
    private var numbers: [MergePatch.Place: UInt32] = [:]

    /// The place's number, given now if it has none; nil when the table is full.
    mutating func number(of place: MergePatch.Place) -> UInt32? {
        if let number = numbers[place] { return number }
        guard places.count < Self.capacity, let number = UInt32(exactly: places.count) else { return nil }
        places.append(place)
        numbers[place] = number
        return number
    }

    subscript(number: UInt32) -> MergePatch.Place { places[Int(number)] }
}
