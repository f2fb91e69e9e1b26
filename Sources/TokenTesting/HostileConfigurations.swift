/// Configuration files written to exhaust a reader: each once crashed tokentop (stack overflow)
/// or ran it out of time and memory. The reader's tests, the end-to-end tests and the fuzzers'
/// seed corpora take them from here, so every hostile case known is kept in one place.
public enum HostileConfigurations {
    /// A Spring `.properties` file with one client-credentials registration, `mod`, whose
    /// client id is `clientID`, and `more` properties after it.
    public static func springProperties(clientID: String, more: String = "") -> String {
        let registration = "spring.security.oauth2.client.registration.mod"
        return """
            \(registration).client-id=\(clientID)
            \(registration).client-secret=s
            \(registration).authorization-grant-type=client_credentials
            spring.security.oauth2.client.provider.mod.token-uri=https://auth.example.com/token

            """ + more
    }

    /// The client id names `p0`, whose value names `p1`, … up to `p<links>`, which is `x`: a
    /// chain `links` + 1 placeholders deep (3,000 links is 46 KB).
    public static func chainedPlaceholders(links: Int) -> String {
        var more = ""
        for link in 0..<links { more += "p\(link)=${p\(link + 1)}\n" }
        more += "p\(links)=x\n"
        return springProperties(clientID: "${p0}", more: more)
    }

    /// The line of `p<link>` in `chainedPlaceholders`.
    public static func chainedPlaceholderLine(_ link: Int) -> Int { 5 + link }

    /// `${a:${a:${a:…x}}}`: each default holds the next placeholder, `levels` deep.
    public static func nestedDefaults(levels: Int) -> String {
        springProperties(clientID: String(repeating: "${a:", count: levels) + "x" + String(repeating: "}", count: levels))
    }

    /// `d0=x` and each `d<n+1>=${d<n>}${d<n>}`: twice as long at every line, so `d<levels>`
    /// would be 2^levels bytes from a file of a few hundred (24 levels: 16 MiB from 750 B).
    public static func doublingPlaceholders(levels: Int) -> String {
        var more = "d0=x\n"
        for level in 0..<levels { more += "d\(level + 1)=${d\(level)}${d\(level)}\n" }
        return springProperties(clientID: "${d\(levels)}", more: more)
    }

    /// The line of `d<level>` in `doublingPlaceholders`.
    public static func doublingPlaceholderLine(_ level: Int) -> Int { 5 + level }

    /// A client id of `count` `${` that no `}` closes: text, as Spring reads it.
    public static func unclosedPlaceholders(count: Int) -> String {
        springProperties(clientID: String(repeating: "${", count: count))
    }

    /// A YAML "billion laughs": `a0` a list of ten strings, each `a<n+1>` a list of ten `*a<n>`,
    /// so `a<levels>` holds 10^(levels+1) strings in a file of a few hundred bytes.
    public static func aliasBomb(levels: Int) -> String {
        var lines = ["a0: &a0 [" + Array(repeating: "\"lol\"", count: 10).joined(separator: ", ") + "]"]
        for level in 1...levels {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Spring `.properties` file whose second document applies on the profile condition
    /// `!!!…!prod`, with `negations` `!`.
    public static func profileNegations(_ negations: Int) -> String {
        springProperties(
            clientID: "mod",
            more: "#---\nspring.config.activate.on-profile=" + String(repeating: "!", count: negations) + "prod\napp.name=x\n")
    }

    /// A Spring `.properties` file of `count` client-credentials registrations `c0`, `c1`, …
    /// sharing one provider: 2,500 are 700 KB, within the 1 MiB bound, and once took a minute.
    public static func manyRegistrations(_ count: Int) -> String {
        var text = "spring.security.oauth2.client.provider.p.token-uri=https://auth.example.com/token\n"
        for index in 0..<count {
            let registration = "spring.security.oauth2.client.registration.c\(index)"
            text +=
                "\(registration).client-id=c\(index)\n\(registration).client-secret=s\n"
                + "\(registration).authorization-grant-type=client_credentials\n\(registration).provider=p\n"
        }
        return text
    }

    /// tokentop's own configuration whose client merges `m<levels>`, each `m<n+1>` merging
    /// `m<n>` twice: 2^levels merges from a few hundred bytes.
    public static func mergeBomb(levels: Int) -> String {
        var lines = ["m0: &m0 {client-id: mod}"]
        for level in 1...levels { lines.append("m\(level): &m\(level) {<<: [*m\(level - 1), *m\(level - 1)]}") }
        return lines.joined(separator: "\n") + "\nclients:\n  mod:\n    <<: *m\(levels)\n"
    }

    /// tokentop's own configuration whose client merges `m<links>`, each `m<n+1>` merging
    /// `m<n>` once: merges `links` deep.
    public static func mergeChain(links: Int) -> String {
        var lines = ["m0: &m0 {client-id: mod}"]
        for link in 1...links { lines.append("m\(link): &m\(link) {<<: *m\(link - 1)}") }
        return lines.joined(separator: "\n") + "\nclients:\n  mod:\n    <<: *m\(links)\n"
    }
}
