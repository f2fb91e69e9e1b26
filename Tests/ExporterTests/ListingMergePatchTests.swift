import Foundation
import Testing
import TokenModel

@testable import MetricsExporter

/// Of a client the watcher holds, an answer to `?since=` sends a JSON Merge Patch (RFC 7386) of
/// its snapshot: inside the token only the members that changed, and whatever the watcher's
/// generation, the patch makes of what it holds exactly the snapshot `serve` has.
@Suite("a listing that scales: a merge patch of a client held")
struct ListingMergePatchTests {
    /// A value from JSON text, its whole numbers exact.
    private static func json(_ text: String) throws -> ExactJSON {
        try JSONDecoder().decode(ExactJSON.self, from: Data(text.utf8))
    }

    @Test(
        "a patch applies as RFC 7386 says (its appendix A)",
        arguments: [
            (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
            (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
            (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
            (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
            (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
            (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
            (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
            (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
            (#"{"a":"foo"}"#, #"null"#, #"null"#),
            (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
            (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
            (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
            (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        ])
    func rfcExamples(original: String, patch: String, result: String) throws {
        #expect(try Self.json(original).merging(Self.json(patch)) == Self.json(result))
    }

    /// The fixture's client with the claims a real access token carries.
    private static var client: ClientSnapshot {
        var client = WireFixtures.client
        client.token?.decoded.claims.merge(
            ["aud": .string("https://api.example"), "scope": .string("read"), "iat": .number(1_799_999_940)]
        ) { _, new in new }
        return client
    }

    /// The client after a scheduled refresh: a new token of the same shape, one more fetch record.
    private static func refreshed(_ client: ClientSnapshot) -> ClientSnapshot {
        var client = client
        let issued = WireFixtures.now.addingTimeInterval(3000)
        client.token?.masked = "eyJh…Zx"
        client.token?.issuedAt = issued
        client.token?.expiresAt = issued.addingTimeInterval(3600)
        client.token?.refreshAt = issued.addingTimeInterval(3000)
        client.token?.serial += 1
        client.token?.decoded.claims["iat"] = .number(issued.timeIntervalSince1970)
        client.token?.decoded.claims["exp"] = .number(issued.addingTimeInterval(3600).timeIntervalSince1970)
        client.history.append(
            FetchRecord(
                reason: .scheduled, startedAt: issued, latency: .milliseconds(14), error: nil, claimChanges: [],
                expiresAt: issued.addingTimeInterval(3600)))
        return client
    }

    /// An index that published each of `snapshots` in turn, and a watcher that held each
    /// generation: the whole listing as it stood then.
    private static func published(_ snapshots: [ClientSnapshot]) throws -> (index: ClientsIndex, watchers: [ClientsListing]) {
        var index = ClientsIndex(instance: "one")
        var watchers: [ClientsListing] = []
        for snapshot in snapshots {
            index.update(ManagerSnapshot(generation: 0, takenAt: WireFixtures.now, clients: [snapshot]))
            var held = try ListingWire.answer(index, ListingQuery(since: 0))
            held.complete = true
            watchers.append(held)
        }
        return (index, watchers)
    }

    /// The one entry of the answer to `since` the watcher's generation, as JSON.
    private static func entry(_ index: ClientsIndex, since held: ClientsListing) throws -> JSONValue {
        let clients = try #require(ListingWire.document(index, ListingQuery(since: held.generation))["clients"]?.arrayValue)
        try #require(clients.count == 1)
        return clients[0]
    }

    @Test("a token refresh sends of the token only the members that changed: not its header, nor iss, aud or scope")
    func refreshSendsInnerMembers() throws {
        let before = Self.client
        let after = Self.refreshed(before)
        let (index, watchers) = try Self.published([before, after])

        let changed = try #require(Self.entry(index, since: watchers[0])["changed"]?.objectValue)
        #expect(Set(changed.keys) == ["token", "history"])
        let token = try #require(changed["token"]?.objectValue)
        #expect(Set(token.keys) == ["masked", "issued_at", "expires_at", "refresh_at", "serial", "decoded"])
        #expect(token["serial"] == .number(4))
        #expect(
            token["decoded"]
                == .object(["claims": .object(["iat": .number(1_800_003_000), "exp": .number(1_800_006_600)])]))
        #expect(try Self.applied(index, to: watchers[0]) == [ClientReport.exported(after)])
    }

    @Test(
        "a refresh's entry has the window of the one log it sends, and a fetch record without the members that hold their default; the watcher has them back exactly"
    )
    func refreshLeavesOutDefaults() throws {
        let before = Self.client
        var after = Self.refreshed(before)
        after.history.append(
            FetchRecord(
                reason: .scheduled, startedAt: WireFixtures.now.addingTimeInterval(3001), latency: .milliseconds(9),
                error: nil, claimChanges: ["+scope"], expiresAt: nil, nonceRetried: true))
        let (index, watchers) = try Self.published([before, after])

        let entry = try Self.entry(index, since: watchers[0])
        #expect(entry["logs"] == .object(["history": .object(["start": .number(0), "end": .number(4)])]))
        let records = try #require(entry["changed"]?["history"]?.arrayValue)
        #expect(records.map { $0["claim_changes"] } == [nil, .array([.string("+scope")])])
        #expect(records.map { $0["nonce_retried"] } == [nil, .bool(true)])
        #expect(try Self.applied(index, to: watchers[0]) == [ClientReport.exported(after)])
    }

    @Test(
        "the members a patch entry leaves out of a fetch record hold what a record with nothing to say has, by the model's Codable"
    )
    func fetchRecordDefaultsAreTheModels() throws {
        let record = FetchRecord(
            reason: .scheduled, startedAt: WireFixtures.now, latency: .zero, error: nil, claimChanges: [], expiresAt: nil)
        let fields = try JSONDecoder().decode([String: ExactJSON].self, from: JSONEncoder().encode(record))
        for (key, value) in ClientFields.fetchRecordDefaults { #expect(fields[key] == value, "\(key)") }
    }

    @Test("an entry as the first merge patches wrote it, every window and each fetch record whole, reads the same")
    func firstPatchFormatReads() throws {
        let after = Self.refreshed(Self.client)
        let (index, watchers) = try Self.published([Self.client, after])
        let answer = try ListingWire.answer(index, ListingQuery(since: watchers[0].generation))
        // As read, a patch has every member of its records back; written so, with all three windows, it is the old form.
        let changed = try JSONEncoder().encode(try #require(answer.partials["orders"])).text
        let windows = try JSONEncoder().encode(try #require(watchers[1].logs["orders"])).text
        #expect(changed.contains(#""claim_changes":[]"#) && windows.contains("responses"))
        let text = """
            {"generation": \(answer.generation ?? 0), "instance": "one", "complete": false, "clients": [{"name": "orders",
            "changed": \(changed), "logs": \(windows)}]}
            """
        let old = try ClientsListing.decode(Data(text.utf8))
        #expect(try watchers[0].applying(old)?.clients == [ClientReport.exported(after)])
    }

    /// What the watcher holds after the answer to `since` its generation.
    private static func applied(_ index: ClientsIndex, to held: ClientsListing) throws -> [ClientSnapshot] {
        try #require(try held.applying(ListingWire.answer(index, ListingQuery(since: held.generation)))).clients
    }

    @Test("a token that went and came back with other claims reaches a watcher at every older generation exactly")
    func tokenGoneAndBack() throws {
        let first = Self.client
        var gone = first
        gone.token = nil
        var back = first
        back.token?.decoded.claims = ["iss": .string("https://as.example"), "a": .object(["x": .number(1)])]
        back.token?.extraFields = ["ext": .string("plain")]
        var deeper = back
        deeper.token?.decoded.claims["a"] = .object(["x": .number(1), "z": .object(["deep": .bool(true)])])
        deeper.token?.extraFields = ["ext": .object(["region": .string("us")])]
        var flat = deeper
        flat.token?.decoded.claims["a"] = .string("flat")
        let (index, watchers) = try Self.published([first, gone, back, deeper, flat])

        for held in watchers.dropLast() {
            #expect(try Self.applied(index, to: held) == [ClientReport.exported(flat)], "held at \(held.generation ?? 0)")
        }
        // The first watcher still holds the first token's members: each one gone is sent as null,
        // inside the new token's whole value, since a merge patch merges into the object held.
        let token = try #require(Self.entry(index, since: watchers[0])["changed"]?["token"])
        #expect(token["decoded"]?["claims"]?["scp"] == .null)
        #expect(token["extra_fields"]?["ext"] == .object(["region": .string("us"), "tenant": .null]))
        #expect(token["token_type"] == .string("Bearer"))
        // The watcher that held `deeper` gets the one claim that changed.
        let latest = try #require(Self.entry(index, since: watchers[3])["changed"])
        #expect(latest == .object(["token": .object(["decoded": .object(["claims": .object(["a": .string("flat")])])])]))
    }

    @Test("a claim that became null, which a merge patch cannot say (null removes), sends the client whole")
    func nullClaimGoesWhole() throws {
        let before = Self.client
        var after = before
        after.token?.decoded.claims["act"] = .null
        let (index, watchers) = try Self.published([before, after])

        let entry = try Self.entry(index, since: watchers[0])
        #expect(entry["changed"] == nil)
        #expect(entry["snapshot"]?["token"]?["decoded"]?["claims"]?["act"] == .null)
        let now = try Self.applied(index, to: watchers[0])
        #expect(now == [ClientReport.exported(after)])
        #expect(now.first?.token?.decoded.claims["act"] == .null)
    }

    @Test("a client whose claim names change with every refresh starts afresh past the places it may keep, exactly")
    func placesBounded() throws {
        var client = Self.client
        var snapshots = [client]
        for number in 0...(FieldChanges.memory + 20) {
            client.token?.decoded.claims["n\(number - 1)"] = nil
            client.token?.decoded.claims["n\(number)"] = .number(Double(number))
            snapshots.append(client)
        }
        let (index, watchers) = try Self.published(snapshots)

        for held in [watchers[0], watchers[FieldChanges.memory], watchers[watchers.count - 3]] {
            #expect(try Self.applied(index, to: held) == [client], "held at \(held.generation ?? 0)")
        }
        // From before it started afresh: the whole snapshot; from after: a patch.
        #expect(try Self.entry(index, since: watchers[0])["snapshot"] != nil)
        #expect(try Self.entry(index, since: watchers[watchers.count - 3])["changed"] != nil)
    }

    /// An answer to `since` the held generation with a patch for `orders`.
    private static func answer(_ held: ClientsListing, patch: String) throws -> ClientsListing {
        let windows = String(decoding: try JSONEncoder().encode(try #require(held.logs["orders"])), as: UTF8.self)
        let text = """
            {"generation": \((held.generation ?? 0) + 1), "instance": "one", "complete": false, "clients": [{"name": "orders",
            "changed": \(patch), "logs": \(windows)}]}
            """
        return try ClientsListing.decode(Data(text.utf8))
    }

    @Test(
        "a patch that makes no snapshot of the client held is an error naming the client and the place, never a trap",
        arguments: [
            (#"{"token": {"serial": 0.5}}"#, "changed.token.serial: 0.5 is not a whole number"),
            (#"{"token": {"issued_at": 1e300}}"#, "changed.token.issued_at: 1e+300 is not a Unix time"),
            (#"{"token": {"decoded": {"claims": 7}}}"#, "changed.token.decoded.claims"),
            (#"{"is_fetching": {"a": 1}}"#, "changed.is_fetching"),
            (#"{"token_endpoint_budget": {"remaining": 601}}"#, "changed.token_endpoint_budget.remaining"),
            (#"{"key_set": {"keys": {"0": {}}}}"#, "changed.key_set.keys"),
        ])
    func hostilePatch(patch: String, reported: String) throws {
        let (_, watchers) = try Self.published([Self.client])
        let answer = try Self.answer(watchers[0], patch: patch)
        let error = #expect(throws: ClientsListingError.self) { try watchers[0].applying(answer) }
        let description = error?.description ?? ""
        #expect(description.contains("the changes of orders do not apply to the client held"), "\(description)")
        #expect(description.contains(reported), "\(description)")
    }
}

extension Data {
    fileprivate var text: String { String(decoding: self, as: UTF8.self) }
}
