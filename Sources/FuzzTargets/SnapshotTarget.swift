import Dashboard
import Foundation
import MetricsExporter
import TokenModel

extension FuzzTarget {
    /// `tokentop serve`'s `/api/v1/clients` answer as `--attach` reads it, and an action's
    /// answer. Input: the body. What was read is encoded again and must read the same.
    static let snapshot = FuzzTarget("snapshot", "serve's /api/v1/clients answers read by --attach") {
        data throws(PropertyViolation) in
        let name = "snapshot"
        _ = try? ClientsListing.actionRecords(data, client: "attached", at: Date(timeIntervalSince1970: 1_800_000_000))
        let listing: ClientsListing
        do throws(ClientsListingError) {
            listing = try ClientsListing.decode(data)
        } catch {
            try Expect.printable(error.reason, "why an answer could not be read", target: name)
            return
        }
        try drawAttached(listing.clients, target: name)
        let encoded: Data
        do {
            encoded = try JSONEncoder().encode(page(listing))
        } catch {
            throw PropertyViolation(name, "a snapshot that was read can be encoded", found: "\(error)")
        }
        do {
            let reread = try ClientsListing.decode(encoded)
            try Expect.that(
                reread == listing, "read → encode → read gives the same snapshots",
                found: String(decoding: encoded.prefix(400), as: UTF8.self), target: name)
        } catch let violation as PropertyViolation {
            throw violation
        } catch {
            throw PropertyViolation(
                name, "what a snapshot encodes to can be read",
                found: "\(error): \(String(decoding: encoded.prefix(400), as: UTF8.self))")
        }
        try applyPatches(listing, target: name)
    }

    /// Each merge patch read, applied to a client held (a blank one of its name, its logs empty
    /// and numbered from 0) as `--attach` applies it: a listing to draw, nil (list again) or an
    /// error that says where, never a trap.
    static func applyPatches(_ listing: ClientsListing, target name: String) throws(PropertyViolation) {
        guard !listing.partials.isEmpty else { return }
        let none = LogWindow(start: 0, end: 0)
        let names = listing.partials.keys.sorted()
        let held = ClientsListing(
            clients: names.map { ClientSnapshot(name: $0, state: .noToken) }, actionsAllowed: nil, generation: 1,
            instance: "fuzz",
            logs: Dictionary(uniqueKeysWithValues: names.map { ($0, ClientLogs(history: none, responses: none, actions: none)) }))
        var changes = listing
        changes.instance = "fuzz"
        changes.complete = false
        let applied: ClientsListing?
        do throws(ClientsListingError) {
            applied = try held.applying(changes)
        } catch {
            try Expect.printable(error.reason, "why a patch could not be applied", target: name)
            return
        }
        if let applied { try drawAttached(applied.clients, target: name) }
    }

    /// An attached dashboard draws what the instance sent: every screen, every tab, zoomed or
    /// not, must be a frame whose cells hold no control character (`checkFrame`).
    static func drawAttached(_ clients: [ClientSnapshot], target name: String) throws(PropertyViolation) {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let snapshot = ManagerSnapshot(generation: 1, takenAt: now, clients: clients)
        // The table judges every client without words and draws the words of the rows shown:
        // both must be one judgement, at any time.
        for client in clients {
            for offset in [-86_400.0, -60, 0, 59, 3_600, 86_400] {
                let at = now.addingTimeInterval(offset)
                try Expect.that(
                    client.healthState(at: at) == client.health(at: at).state,
                    "a client's state alone is its verdict's state",
                    found: "\(client.healthState(at: at)) against \(client.health(at: at).state) at \(Int(offset))s",
                    target: name)
            }
        }
        let context = ScreenContext(configurationPath: "http://127.0.0.1:9464", colorDepth: .full256, glyphs: .unicode)
        var states: [ViewState] = DetailTab.allCases.map { ViewState(selectedClient: clients.first?.name, tab: $0) }
        var zoomed = ViewState(selectedClient: clients.first?.name)
        zoomed.isZoomed = true
        states.append(zoomed)
        for screen in [DashboardScreen.keySets, .events] {
            var state = ViewState(selectedClient: clients.first?.name)
            state.screen = screen
            states.append(state)
        }
        for state in states {
            let frame = Renderer().render(
                snapshot, state: state, size: TerminalSize(columns: 100, rows: 30), now: now, context: context)
            try checkFrame(frame, target: name, previous: nil)
        }
    }

    /// The listing written back as `serve` writes an answer to `since`: every page field, each
    /// client as a change, its logs' windows on the last entry of its name (the one reading keeps),
    /// then the changed fields of each partial (a name reading never takes twice), with the windows of the logs they send.
    private static func page(_ listing: ClientsListing) -> ClientsPage {
        let lastOfName = Dictionary(listing.clients.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { _, last in last })
        let partials: [ClientsPage.Entry] = listing.partials.sorted { $0.key < $1.key }.map { name, changed in
            .change(ClientChange(name: name, changed: changed, logs: listing.partialLogs[name] ?? PatchLogs()))
        }
        return ClientsPage(
            actionsAllowed: listing.actionsAllowed, generation: listing.generation, instance: listing.instance,
            complete: listing.complete, removed: listing.removed, nextAfter: listing.nextAfter,
            clients: listing.clients.enumerated().map { position, client in
                .change(
                    ClientChange(
                        name: client.name, snapshot: client,
                        logs: lastOfName[client.name] == position ? listing.logs[client.name] : nil))
            } + partials)
    }
}
