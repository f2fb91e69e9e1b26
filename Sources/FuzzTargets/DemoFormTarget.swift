import Foundation
import ProtocolSupport
import TokenModel

extension FuzzTarget {
    /// What the demo servers read from a client: a form body (`FormEncoding.parameters`) and an
    /// `Authorization: Basic` header (`BasicCredentials`). Input: `body\0header`, or a bare body.
    /// Both are written back as tokentop's client writes them and must read the same.
    static let demoForm = FuzzTarget("demo-form", "form bodies and Basic credentials") { data throws(PropertyViolation) in
        let name = "demo-form"
        let parts = data.contains(0) ? fields(data, count: 2) : [data, Data()]
        if let parameters = try? FormEncoding.parameters(parts[0]) {
            try Expect.that(
                !parameters.keys.contains(""), "no parameter has an empty name", found: "\(parameters.keys.sorted())",
                target: name)
            let written = FormEncoding.body(parameters.sorted { $0.key < $1.key })
            let reread = try? FormEncoding.parameters(Data(written.utf8))
            try Expect.that(
                reread == parameters, "parse → write → parse gives the same parameters",
                found: "\(parameters) written as \(written.debugDescription)", target: name)
        }
        let header = text(parts[1])
        if let credentials = try? BasicCredentials.parse(header) {
            let written = BasicCredentials.header(id: credentials.id, secret: credentials.secret)
            let reread = try? BasicCredentials.parse(written)
            try Expect.that(
                reread?.id == credentials.id && reread?.secret == credentials.secret,
                "Basic credentials read, written and read again are the same", found: written, target: name)
        }
        // Any id and secret tokentop's client sends, the demo reads back as sent.
        let id = text(parts[0].prefix(64))
        let secret = header
        let sent = BasicCredentials.header(id: id, secret: secret)
        let received = try? BasicCredentials.parse(sent)
        try Expect.that(
            received?.id == id && received?.secret == secret, "the demo reads the Basic credentials the client writes",
            found: "\(id.debugDescription):\(secret.debugDescription) as \(String(describing: received))", target: name)
    }
}
