import Foundation
import MetricsExporter
import Testing
import TokenModel

/// The snapshot's wire format is synthesized from the model's fields, so the one way to lose a
/// field is to leave it out of a `CodingKeys` (or to give it a default and forget it). These
/// tests make that a failure: the fixture must fill every field, and a filled field must survive.
@Suite("the snapshot's wire format")
struct WireFormatTests {
    /// Fields that never travel: the attached dashboard makes them from its own polling.
    static let neverOnTheWire: Set<String> = ["instanceFailure", "instance", "instanceIsReadOnly"]

    @Test("the wire fixture fills every field of the snapshot and what it holds, so the round trip checks them all")
    func fixtureFillsEveryField() {
        var filled: [String: Bool] = [:]
        FieldWalk.walk(WireFixtures.client, path: "", into: &filled)
        let empty = filled.filter { path, isFilled in
            !isFilled && !Self.neverOnTheWire.contains(String(path.dropFirst().prefix { $0 != "." }))
        }.keys.sorted()
        #expect(empty.isEmpty, "fill these in WireFixtures.client: \(empty)")
        #expect(filled.count > 60, "the walk found only \(filled.count) fields")
    }

    @Test("every field of a fully filled snapshot survives the wire")
    func everyFieldSurvives() throws {
        let client = WireFixtures.client
        let decoded = try JSONDecoder().decode(ClientSnapshot.self, from: JSONEncoder().encode(client))
        var sent: [String: Bool] = [:]
        var received: [String: Bool] = [:]
        FieldWalk.walk(client, path: "", into: &sent)
        FieldWalk.walk(decoded, path: "", into: &received)
        let lost = sent.filter { path, isFilled in
            isFilled && received[path] != true && !Self.neverOnTheWire.contains(String(path.dropFirst().prefix { $0 != "." }))
        }.keys.sorted()
        #expect(lost.isEmpty, "lost on the wire: \(lost)")
        #expect(decoded == client)
    }

    @Test("the fuzz corpus's answers captured from a real serve still read, so they seed the fuzzer with today's format")
    func capturedAnswersRead() throws {
        let listings = try FileManager.default.contentsOfDirectory(atPath: Self.snapshotCorpus.path)
            .filter { $0.hasPrefix("serve-demo-") }
            .map { (name: $0, body: try Data(contentsOf: Self.snapshotCorpus.appendingPathComponent($0))) }
            .filter { JSONValue(data: $0.body)?["clients"] != nil } // not the answers to an action
        #expect(listings.count >= 3)
        for (name, body) in listings {
            #expect(try !ClientsListing.decode(body).clients.isEmpty, "\(name)")
        }
    }

    static let snapshotCorpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus/snapshot")

    @Test("a field the attached dashboard makes itself does not travel")
    func localFieldsStayLocal() throws {
        var client = WireFixtures.client
        client.instanceFailure = "connection refused"
        client.instance = "fleet-a:9464"
        client.instanceIsReadOnly = true
        let decoded = try JSONDecoder().decode(ClientSnapshot.self, from: JSONEncoder().encode(client))
        #expect(decoded.instanceFailure == nil && decoded.instance == nil && !decoded.instanceIsReadOnly)
    }
}

/// Walks a model value's stored fields by reflection and records, for each field path (array
/// indices left out), whether any occurrence of it holds something: a non-nil optional, a
/// non-empty collection or text, `true`. A property wrapper counts as the value it wraps.
enum FieldWalk {
    static func walk(_ value: Any, path: String, into filled: inout [String: Bool]) {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let wrapped = mirror.children.first?.value else { return mark(path, false, &filled) }
            walk(wrapped, path: path, into: &filled)
        case .collection, .set:
            mark(path, !mirror.children.isEmpty, &filled)
            for element in mirror.children { walkElement(element.value, path: path, into: &filled) }
        case .dictionary:
            mark(path, !mirror.children.isEmpty, &filled)
        case .struct where isOwnModelType(value):
            if let wrapped = mirror.children.first(where: { $0.label == "wrappedValue" }) {
                return walk(wrapped.value, path: path, into: &filled)
            }
            if !path.isEmpty { mark(path, true, &filled) }
            for child in mirror.children {
                let name = (child.label ?? "?").hasPrefix("_") ? String((child.label ?? "?").dropFirst()) : child.label ?? "?"
                walk(child.value, path: path + "." + name, into: &filled)
            }
        default:
            if let flag = value as? Bool { return mark(path, flag, &filled) }
            if let text = value as? String { return mark(path, !text.isEmpty, &filled) }
            mark(path, true, &filled)
        }
    }

    /// Array elements are walked as the field itself: `responses.status` is filled when any response has one.
    private static func walkElement(_ element: Any, path: String, into filled: inout [String: Bool]) {
        guard isOwnModelType(element), Mirror(reflecting: element).displayStyle == .struct else { return }
        walk(element, path: path, into: &filled)
    }

    /// TokenModel's own structs, except the two coded by hand (tested on their own) and JSON values.
    private static func isOwnModelType(_ value: Any) -> Bool {
        let name = String(reflecting: type(of: value))
        return name.hasPrefix("TokenModel.") && !["TokenModel.OAuthError", "TokenModel.SignatureVerdict"].contains(name)
    }

    private static func mark(_ path: String, _ isFilled: Bool, _ filled: inout [String: Bool]) {
        filled[path] = (filled[path] ?? false) || isFilled
    }
}
