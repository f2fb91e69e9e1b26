/// JSON Merge Patch (RFC 7386) over `ExactJSON`: what an answer to `since` sends of a client the
/// watcher holds (`ClientChange.changed`), how `serve` finds the places to send and builds it
/// without the watcher's old value, and how the watcher applies it.
///
/// A merge patch merges an object into the one held; it cannot replace one. So a place noted
/// as changed whose value is now an object is sent as that whole object with `null` for each
/// member noted gone since, and when an object goes, each of its members is noted gone too:
/// an object that later takes its place is then sent with nulls for all that the watcher may
/// still hold of the old one.
enum MergePatch {
    /// A place in a snapshot's JSON: member names from the top (`token`, `decoded`, `claims`, `exp`).
    typealias Place = [String]

    /// The places where `new` differs from `old`, appended to `places`: the deepest places where
    /// both are objects no more (a value changed, appeared or went), each member of an object
    /// that went, never an array's insides (an array is sent whole).
    static func differences(from old: ExactJSON?, to new: ExactJSON?, at place: Place = [], into places: inout [Place]) {
        guard old != new else { return }
        if case .object(let before)? = old, case .object(let after)? = new {
            for key in Set(before.keys).union(after.keys) {
                differences(from: before[key], to: after[key], at: place + [key], into: &places)
            }
            return
        }
        places.append(place)
        if case .object(let before)? = old {
            for (key, value) in before { differences(from: value, to: nil, at: place + [key], into: &places) }
        }
    }

    /// The patch that takes a snapshot held as of a generation to `current`, from the places
    /// noted as changed since (a place now gone: `null`); nil when it would have to send a
    /// `null` that is a value (a claim whose value is null), which a merge patch cannot say.
    static func patch(of current: [String: ExactJSON], at places: [Place]) -> [String: ExactJSON]? {
        var tree = PlaceTree()
        for place in places { tree.insert(place[...]) }
        guard case .object(let members)? = tree.patch(of: .object(current), whole: false) else { return nil }
        return members
    }

    /// The places noted, as a tree of member names.
    private struct PlaceTree {
        /// Noted itself, not only places under it.
        var noted = false
        var members: [String: PlaceTree] = [:]

        mutating func insert(_ place: ArraySlice<String>) {
            guard let first = place.first else {
                noted = true
                return
            }
            members[first, default: PlaceTree()].insert(place.dropFirst())
        }

        /// This place's part of the patch, `value` being its current value (nil: gone). `whole`:
        /// a place above was noted, so an object here is sent with all its members.
        func patch(of value: ExactJSON?, whole: Bool) -> ExactJSON? {
            let whole = whole || noted
            switch value {
            case nil:
                return .null
            case .null?:
                return nil
            case .object(let object)?:
                // Members noted and gone since are in `members`: sent as null, even in a whole object.
                let keys = whole ? Set(object.keys).union(members.keys) : Set(members.keys)
                var patch: [String: ExactJSON] = [:]
                for key in keys {
                    guard let member = (members[key] ?? PlaceTree()).patch(of: object[key], whole: whole) else { return nil }
                    patch[key] = member
                }
                return .object(patch)
            case let other?:
                // Anything but an object replaces what is held.
                return other
            }
        }
    }
}

extension ExactJSON {
    /// The value after `patch` is applied to it as RFC 7386 says: an object merges member by
    /// member (`null`: the member goes), anything else replaces the value.
    public func merging(_ patch: ExactJSON) -> ExactJSON {
        guard case .object(let members) = patch else { return patch }
        return .object(Self.merging(members, into: objectValue ?? [:]))
    }

    /// `target`'s members after a patch's members are applied (RFC 7386).
    static func merging(_ patch: [String: ExactJSON], into target: [String: ExactJSON]) -> [String: ExactJSON] {
        var merged = target
        for (name, value) in patch {
            merged[name] = value == .null ? nil : (merged[name] ?? .null).merging(value)
        }
        return merged
    }

    /// The members, when the value is an object.
    public var objectValue: [String: ExactJSON]? {
        if case .object(let value) = self { return value }
        return nil
    }
}
