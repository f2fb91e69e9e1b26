import Foundation
import Testing
import TokenModel

@testable import MetricsExporter

/// `/api/v1/clients` answered from an index and read back as `--attach` reads it: the same
/// document and decoder as over HTTP, without the server around them.
enum ListingWire {
    /// The answer's body as JSON, to look at what crosses the wire.
    static func document(_ index: ClientsIndex, _ query: ListingQuery) throws -> JSONValue {
        let page = ClientsPage(
            try index.select(query), instance: index.instance, at: Date(timeIntervalSince1970: 1_800_000_000),
            actionsAllowed: false)
        return try #require(JSONValue(data: try JSONEncoder().encode(page)))
    }

    static func answer(_ index: ClientsIndex, _ query: ListingQuery) throws -> ClientsListing {
        try ClientsListing.decode(Data(document(index, query).compactText.utf8))
    }
}
