import Foundation
import OAuthClient
import TokenModel

/// The token endpoint's budget: one fact per issuer and endpoint, the newest answer to any client
/// of that issuer (they share one bucket), shown on every one of them with the client that
/// spends it most.
extension TokenManager {
    /// How far back token requests are counted to name the heaviest user of a budget.
    static let budgetUsageWindow: TimeInterval = 60

    /// Takes the budget a client's latest answer stated, when it is newer than the one held for
    /// its issuer and endpoint. When it crosses the low mark, every client that shares it is
    /// published (their verdicts change); otherwise the next snapshot carries it, and a fleet's
    /// start-up costs one look per answer, not one per client.
    func takeBudget(_ budget: RateLimitBudget?) {
        guard let budget else { return }
        let held = rateLimits[budget.key]
        if let held, held.observedAt > budget.observedAt || held == budget { return }
        rateLimits[budget.key] = budget
        let now = clock.now()
        guard (held?.isLow(at: now) ?? false) != budget.isLow(at: now) else { return }
        for name in order where clients[name]?.diagnostics.tokenEndpointBudget?.key == budget.key { publish(name) }
    }

    /// The shared budget of a client, as of the last answer to any client of its issuer.
    func sharedBudget(of runtime: ClientRuntime) -> RateLimitBudget? {
        runtime.diagnostics.tokenEndpointBudget.flatMap { rateLimits[$0.key] }
    }

    /// Every shared budget with the client that sent the most token requests in the last minute
    /// named: one pass over the clients, whatever their number.
    func budgetsWithHeaviestClients(now: Date) -> [RateLimitBudget.Key: RateLimitBudget] {
        var budgets = rateLimits
        guard !budgets.isEmpty else { return budgets }
        let since = now.addingTimeInterval(-Self.budgetUsageWindow)
        for name in order {
            guard let runtime = clients[name], let key = runtime.diagnostics.tokenEndpointBudget?.key,
                let budget = budgets[key]
            else { continue }
            let requests = runtime.history.reduce(0) { $0 + ($1.startedAt > since ? 1 : 0) }
            if requests > budget.heaviestClientRequests {
                budgets[key]?.heaviestClient = name
                budgets[key]?.heaviestClientRequests = requests
            }
        }
        return budgets
    }
}
