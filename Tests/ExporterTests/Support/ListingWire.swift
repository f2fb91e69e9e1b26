import Foundation
import Testing
import TokenModel

@testable import MetricsExporter

/// `/api/v1/clients` answered from an index and read back as `--attach` reads it: the same
/// document and decoder as over HTTP, without the server around them.
enum ListingWire {
    /// The answer's body as `serve` writes it (`WireJSON`), every number spelled as sent.
    static func body(_ index: ClientsIndex, _ query: ListingQuery) throws -> Data {
        let page = ClientsPage(
            try index.select(query), instance: index.instance, at: Date(timeIntervalSince1970: 1_800_000_000),
            actionsAllowed: false)
        return Data(try WireJSON.text(page, compact: true).utf8)
    }

    /// The answer's body as JSON, to look at what crosses the wire.
    static func document(_ index: ClientsIndex, _ query: ListingQuery) throws -> JSONValue {
        try #require(JSONValue(data: try body(index, query)))
    }

    static func answer(_ index: ClientsIndex, _ query: ListingQuery) throws -> ClientsListing {
        try ClientsListing.decode(body(index, query))
    }
}

extension ListingWire {
    /// The field `key` of the client `name` as `answer` sent it: from its whole snapshot, or from
    /// the fields that changed of a client held; nil when the answer does not send it.
    static func sent<Value: Decodable>(
        _ key: String, _ field: KeyPath<ClientSnapshot, Value>, of name: String, in answer: ClientsListing
    ) throws -> Value? {
        if let client = answer.clients.first(where: { $0.name == name }) { return client[keyPath: field] }
        guard let value = answer.partials[name]?[key] else { return nil }
        return try JSONDecoder().decode(Value.self, from: JSONEncoder().encode(value))
    }
}
