import Foundation
import Testing
import TokenModel
import TokenTesting

@testable import MetricsExporter

/// Seeded random changes to a fleet's logs (appends past the cap, logs started afresh, clients
/// added, removed and reordered) and to its tokens (gone, back with other claims, members that
/// turn from objects to strings and back) followed by watchers that poll at different lags, one
/// of them reading its first listing in pages while the fleet changes: after every poll, what
/// each watcher holds is exactly the fleet as the manager published it.
@Suite("a listing that scales: watchers joining tails hold exactly serve's snapshot")
struct ListingTailsSequenceTests {
    /// Seeds that found a bug while the tails were written, then new ones.
    static let seeds: [UInt64] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    static let steps = 150

    @Test("after every poll each watcher holds the fleet exactly", arguments: seeds)
    func watchersAgree(seed: UInt64) throws {
        var fleet = RandomFleet(seed: seed)
        var index = ClientsIndex(instance: "one")
        // Lags in steps: a watcher every step, one a little behind, two further than `LogBook.memory`.
        var watchers = [1, 2, 5, 9].map { Watcher(lag: $0, pageSize: 2) }
        for step in 1...Self.steps {
            fleet.change()
            index.update(ManagerSnapshot(generation: 0, takenAt: RandomFleet.start, clients: fleet.clients))
            for position in watchers.indices where step % watchers[position].lag == 0 {
                if try watchers[position].poll(index) {
                    let agrees = watchers[position].held?.clients == fleet.clients
                    #expect(agrees, "seed \(seed), step \(step), lag \(watchers[position].lag): the watcher holds another fleet")
                }
            }
        }
        let tails = watchers.reduce(0) { $0 + $1.tailsJoined }
        let partials = watchers.reduce(0) { $0 + $1.partialsMerged }
        let relisted = watchers.reduce(0) { $0 + $1.relisted }
        let tokenPatches = watchers.reduce(0) { $0 + $1.tokenPatches }
        // The sequence exercised tails and changed fields, and never needed a listing from nothing to recover.
        #expect(tails > 0, "seed \(seed)")
        #expect(partials > 0, "seed \(seed)")
        #expect(relisted == 0, "seed \(seed)")
        #expect(tokenPatches > 0, "seed \(seed)")
    }
}

/// A watcher as `--attach` is one: the first listing in pages (`since=0&limit=&after=`), then
/// `since` its generation, tails joined.
private struct Watcher {
    let lag: Int
    let pageSize: Int
    var held: ClientsListing?
    /// The pages read so far of a first listing, and the name to read after.
    var paging: (listing: ClientsListing, after: String)?
    /// Logs that arrived as tails shorter than their window, joined to what was held.
    var tailsJoined = 0
    /// Clients that arrived as the fields that changed, merged into what was held.
    var partialsMerged = 0
    /// Of those, the ones whose token arrived as a patch of the token held.
    var tokenPatches = 0
    /// Answers that could not be applied.
    var relisted = 0

    init(lag: Int, pageSize: Int) {
        self.lag = lag
        self.pageSize = pageSize
    }

    /// One request; true when it was a `since` answer applied (the watcher then holds a listing
    /// that should be the fleet's).
    mutating func poll(_ index: ClientsIndex) throws -> Bool {
        if let held {
            let answer = try ListingWire.answer(index, ListingQuery(since: held.generation))
            for client in answer.clients {
                guard let logs = answer.logs[client.name], !client.hasWholeLogs(logs) else { continue }
                tailsJoined += 1
            }
            for (name, changed) in answer.partials {
                partialsMerged += 1
                if changed["token"]?.objectValue != nil { tokenPatches += 1 }
                guard let logs = answer.partialLogs[name] else { continue }
                for (key, window) in [("history", logs.history), ("responses", logs.responses), ("actions", logs.actions)] {
                    guard let window, let records = changed[key]?.arrayValue, UInt64(records.count) < window.count else {
                        continue
                    }
                    tailsJoined += 1
                }
            }
            guard let applied = try held.applying(answer) else {
                relisted += 1
                self.held = nil
                return false
            }
            self.held = applied
            return true
        }
        // A page at a time, one a poll, so the fleet changes between the pages.
        do {
            var page = try ListingWire.answer(index, ListingQuery(since: 0, limit: pageSize, after: paging?.after))
            let whole = page.hasWholeLogs
            #expect(whole, "an answer to since=0 sent a log cut short")
            if var listing = paging?.listing {
                listing.clients += page.clients
                listing.logs.merge(page.logs) { _, newer in newer }
                page.generation = listing.generation
                listing.nextAfter = page.nextAfter
                page = listing
            }
            if let after = page.nextAfter {
                paging = (page, after)
            } else {
                page.complete = true
                held = page
                paging = nil
            }
        } catch ListingQuery.Problem.unknownAfter {
            // The client to page after was removed meanwhile: from the start again.
            paging = nil
        }
        return false
    }
}

/// The truth: a fleet whose clients' logs change as a token manager changes them.
private struct RandomFleet {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    /// Small caps, so logs drop from the front within a few steps.
    static let historySize = 4
    static let responseSize = 3

    var clients: [ClientSnapshot]
    private var random: SeededRandom
    /// The tokens' changes draw from a stream of their own, so that the logs' sequences are those
    /// the kept seeds found bugs in.
    private var tokenRandom: SeededRandom
    private var made = 0
    private var recorded = 0

    init(seed: UInt64) {
        random = SeededRandom(seed: seed)
        tokenRandom = SeededRandom(seed: ~seed)
        clients = []
        for _ in 0..<6 { clients.append(newClient()) }
    }

    mutating func change() {
        for _ in 0..<Int.random(in: 1...3, using: &random) { changeOne() }
        if !clients.isEmpty, Bool.random(using: &tokenRandom) {
            changeToken(of: Int.random(in: clients.indices, using: &tokenRandom))
        }
    }

    /// A token gone, a new one, a claim or extra field added, changed or gone, a header member
    /// changed: what a merge patch must bring to a watcher at any generation.
    private mutating func changeToken(of position: Int) {
        guard var token = clients[position].token else {
            clients[position].token = newToken()
            return
        }
        switch Int.random(in: 0..<10, using: &tokenRandom) {
        case 0:
            clients[position].token = nil
            return
        case 1:
            token = newToken()
        case 2..<5:
            token.decoded.claims[Self.claimNames.randomElement(using: &tokenRandom) ?? "a"] = value()
        case 5..<7:
            token.decoded.claims[Self.claimNames.randomElement(using: &tokenRandom) ?? "a"] = nil
        case 7:
            token.extraFields["ext"] = value()
        case 8:
            token.decoded.header["kid"] = .string("k\(Int.random(in: 1...3, using: &tokenRandom))")
        default:
            token.serial += 1
            token.expiresAt = token.expiresAt?.addingTimeInterval(60)
        }
        clients[position].token = token
    }

    private static let claimNames = ["a", "b", "c", "sub"]

    private mutating func newToken() -> TokenSummary {
        var claims: [String: JSONValue] = ["iss": .string("https://as.example")]
        for name in Self.claimNames where Bool.random(using: &tokenRandom) { claims[name] = value() }
        return TokenSummary(
            masked: "eyJh…\(Int.random(in: 10...99, using: &tokenRandom))", tokenType: "Bearer",
            decoded: DecodedToken(format: .jwt, header: ["alg": .string("RS256")], claims: claims), issuedAt: Self.start,
            expiresAt: Self.start.addingTimeInterval(3600), refreshAt: nil, scopes: [],
            verdict: SignatureVerdict(.verified, "ok"),
            extraFields: Bool.random(using: &tokenRandom) ? ["ext": value()] : [:])
    }

    /// A value for a claim or an extra field: now and then an object (whose members a patch reaches
    /// into or drops), an array, or a null (which a merge patch cannot say: the client goes whole).
    private mutating func value(depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth < 2 ? 8 : 5), using: &tokenRandom) {
        case 0, 1: return .string(Bool.random(using: &tokenRandom) ? "x" : "y")
        case 2: return .number(Double(Int.random(in: 0...3, using: &tokenRandom)))
        case 3: return .array([.string("read")])
        case 4: return Int.random(in: 0..<4, using: &tokenRandom) == 0 ? .null : .bool(true)
        default:
            var members: [String: JSONValue] = [:]
            for name in ["x", "y", "z"] where Bool.random(using: &tokenRandom) { members[name] = value(depth: depth + 1) }
            return .object(members)
        }
    }

    private mutating func changeOne() {
        guard !clients.isEmpty else {
            clients.append(newClient())
            return
        }
        let position = Int.random(in: clients.indices, using: &random)
        var client = clients[position]
        switch Int.random(in: 0..<20, using: &random) {
        case 0..<5:
            client.history.append(fetch())
            client.history = Array(client.history.suffix(Self.historySize))
        case 5..<10:
            // Answers that repeat: records equal in content must still be told apart by place.
            client.responses.append(answer())
            client.responses = Array(client.responses.suffix(Self.responseSize))
        case 10..<12:
            client.actions.append(
                ActionRecord(action: .refresh, client: client.name, at: Self.start, succeeded: true, outcome: "ok"))
            client.actions = Array(client.actions.suffix(Self.historySize))
        case 12..<14:
            client.isFetching.toggle()
        case 14:
            // A reload that starts a log afresh.
            client.history = (0..<Int.random(in: 0...2, using: &random)).map { _ in fetch() }
        case 15:
            client.responses.removeLast(min(1, client.responses.count))
        case 16:
            clients.remove(at: position)
            return
        case 17:
            clients.append(newClient())
        case 18:
            clients.swapAt(position, Int.random(in: clients.indices, using: &random))
            return
        default:
            // Several records at once, more than the cap: everything the watcher held falls off.
            for _ in 0...Self.historySize { client.history.append(fetch()) }
            client.history = Array(client.history.suffix(Self.historySize))
        }
        clients[position] = client
    }

    private mutating func newClient() -> ClientSnapshot {
        made += 1
        return ClientSnapshot(
            name: "client-\(made)", state: .valid, responses: (0..<Int.random(in: 0...2, using: &random)).map { _ in answer() },
            history: [fetch()])
    }

    private mutating func fetch() -> FetchRecord {
        recorded += 1
        return FetchRecord(
            reason: .scheduled, startedAt: Self.start.addingTimeInterval(Double(recorded)),
            latency: .milliseconds(recorded % 900),
            error: nil, claimChanges: [], expiresAt: nil)
    }

    private mutating func answer() -> ResourceResponse {
        ResourceResponse(
            status: 200, latency: .milliseconds(5), at: Self.start, bodyExcerpt: Bool.random(using: &random) ? "yes" : "no")
    }
}
