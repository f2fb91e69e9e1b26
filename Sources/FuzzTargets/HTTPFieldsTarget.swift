import Foundation
import ProtocolSupport
import TokenModel

extension FuzzTarget {
    /// Two request and answer fields every exchange carries: a `Date` (`HTTPDate.parse`, read on
    /// every answer polled, with its hand-read IMF-fixdate) and an `Authorization` header
    /// (`AuthorizationHeader`, read by `serve`, the demo's API and its admin endpoint).
    /// Input: `date\0authorization`, or a bare date.
    static let httpFields = FuzzTarget("http-fields", "Date and Authorization header fields") { data throws(PropertyViolation) in
        let name = "http-fields"
        let parts = data.contains(0) ? fields(data, count: 2) : [data, Data()]
        let date = text(parts[0])
        if let read = HTTPDate.parse(date) {
            try Expect.that(
                read.timeIntervalSince1970.isFinite, "a date read is a finite instant", found: "\(read)", target: name)
        }
        // A leap second (`:60`) is read as the next second, so it is written back differently.
        if let fixdate = HTTPDate.fixdate(date), !date.utf8.suffix(7).elementsEqual(":60 GMT".utf8) {
            // The form servers send: written back, the same text but for the weekday, which is not checked.
            let written = HTTPDate.format(fixdate)
            try Expect.that(
                written.utf8.dropFirst(3).elementsEqual(date.utf8.dropFirst(3)),
                "an IMF-fixdate read by hand is written back the same",
                found: "\(date.debugDescription) as \(written.debugDescription)", target: name)
            try Expect.that(
                HTTPDate.parse(date) == fixdate, "parse reads an IMF-fixdate as the hand reader does",
                found: date.debugDescription, target: name)
        }
        let header = text(parts[1])
        if let authorization = AuthorizationHeader(header) {
            try Expect.that(
                !authorization.scheme.isEmpty && !authorization.scheme.contains(" ")
                    && authorization.scheme == authorization.scheme.lowercased(),
                "a scheme is one lowercased word", found: authorization.scheme.debugDescription, target: name)
            try Expect.that(
                authorization.credentials == authorization.credentials.trimmingCharacters(in: .whitespaces),
                "credentials have no surrounding blanks", found: authorization.credentials.debugDescription, target: name)
        }
        if let token = AuthorizationHeader.bearerToken(header) {
            try Expect.that(
                !token.isEmpty && AuthorizationHeader(header)?.scheme == "bearer", "a bearer token comes from a Bearer header",
                found: header.debugDescription, target: name)
            try Expect.that(
                ConstantTime.equals(presented: token, expected: token), "a token equals itself", found: token.debugDescription,
                target: name)
        }
    }
}
