import Dashboard
import TokenConfig

/// `keys:` and `theme:` checked when the configuration loads, by every command, so `check`
/// refuses `theme: drak` as the dashboard would, with the file, line and key of the mistake.
enum FrontEndSettings {
    static func validate(_ configuration: TokentopConfiguration, themeNames: [String]) throws(ConfigurationError) {
        var issues: [ConfigurationIssue] = []
        let actionNames = DashboardAction.allCases.map(\.rawValue)
        for (action, key) in configuration.keyBindings.sorted(by: { $0.key < $1.key }) {
            guard let location = configuration.keyBindingLocations[action] else { continue }
            do {
                _ = try KeyMap(bindings: [action: key])
            } catch {
                let unknownAction = DashboardAction(rawValue: action) == nil
                var message = String(describing: error)
                if unknownAction, let suggestion = KeySuggestion.closest(to: action, among: actionNames) {
                    message += "; did you mean `\(suggestion)`?"
                }
                issues.append(ConfigurationIssue(at: location, unknownAction ? .key : .value, message: message))
            }
        }
        // Each binding alone is fine: what is left is a key bound to two actions.
        if issues.isEmpty {
            do {
                _ = try KeyMap(bindings: configuration.keyBindings)
            } catch {
                let located = configuration.keyBindings.keys.sorted().compactMap { configuration.keyBindingLocations[$0] }
                if let location = located.last {
                    issues.append(ConfigurationIssue(at: location, .value, message: String(describing: error)))
                }
            }
        }
        if let theme = configuration.theme, !themeNames.contains(theme), let location = configuration.themeLocation {
            var message = "no theme named \"\(theme)\"; available: \(themeNames.joined(separator: ", "))"
            if let suggestion = KeySuggestion.closest(to: theme, among: themeNames) {
                message += "; did you mean `\(suggestion)`?"
            }
            issues.append(ConfigurationIssue(at: location, .value, message: message))
        }
        if !issues.isEmpty { throw ConfigurationError(issues: issues) }
    }
}
