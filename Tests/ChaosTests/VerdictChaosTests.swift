import Dashboard
import DemoServer
import Foundation
import OAuthClient
import Testing
import TokenConfig
import TokenLifecycle
import TokenModel
import TokenTesting

@testable import MetricsExporter
@testable import TokentopCommands

/// The verdict converges to the truth: seeded random sequences of the demo's faults against the
/// real token manager, with the demo as the oracle (it knows which faults hold), on one manual
/// clock shared by the demo, the transport and the manager. At every settled point:
/// 1. the dashboard's rows, `check --json`, `serve`'s listing (as `--attach` decodes it) and its
///    metrics give every client the same verdict;
/// 2. while a fault holds, a client it reached is not `ok` within 8 s of being reached;
/// 3. once the fault is cleared, every client is back to its fault-free verdict within 45 s,
///    with no key pressed (and a routine rotation never takes an ok client to error);
/// 4. no diagnosis cites a check that did not run.
/// A failing seed is printed; every seed that ever failed joins `keptSeeds`.
@Suite("The verdict converges to the truth under seeded chaos", .serialized)
struct VerdictChaosTests {
    /// Seeds run on every CI run. A seed that fails is added here and stays.
    static let keptSeeds: [UInt64] = [1, 2, 3, 5, 328_733_941]
    /// Rounds (one fault each) per seed: bounded, so the suite stays under two minutes.
    static let roundsPerSeed = 4

    @Test("kept seeds: every fault clears back to the truth, and every front end agrees all the way", arguments: keptSeeds)
    func keptSeed(seed: UInt64) async throws {
        let report = try await ChaosRun.run(seed: seed, rounds: Self.roundsPerSeed)
        print("chaos seed \(seed): \(report.rounds) rounds, slowest convergence \(Int(report.slowestConvergence))s")
        #expect(report.failures.isEmpty, "seed \(seed): \(report.failures.joined(separator: "\n"))")
    }

    /// The soak: `TOKENTOP_CHAOS_SOAK=SEEDS swift test --filter VerdictChaosTests/soak` runs that
    /// many seeds (from `TOKENTOP_CHAOS_SEED`, default 1000) and prints the figures
    /// Benchmarks/README.md quotes. Skipped unless asked for.
    @Test("soak: many seeds, figures printed", .enabled(if: ProcessInfo.processInfo.environment["TOKENTOP_CHAOS_SOAK"] != nil))
    func soak() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seeds = environment["TOKENTOP_CHAOS_SOAK"].flatMap(Int.init) ?? 10
        let first = environment["TOKENTOP_CHAOS_SEED"].flatMap(UInt64.init) ?? 1000
        var rounds = 0
        var slowest: TimeInterval = 0
        var failed: [UInt64] = []
        for seed in first..<(first + UInt64(seeds)) {
            let report = try await ChaosRun.run(seed: seed, rounds: Self.roundsPerSeed)
            rounds += report.rounds
            slowest = max(slowest, report.slowestConvergence)
            if !report.failures.isEmpty {
                failed.append(seed)
                print("chaos seed \(seed) FAILED: \(report.failures.joined(separator: "; "))")
            }
        }
        print("chaos soak: \(seeds) seeds, \(rounds) rounds, slowest convergence \(Int(slowest))s, failed seeds: \(failed)")
        #expect(failed.isEmpty)
    }

    @Test("one random seed per run (printed; a failure is kept as a fixed seed)")
    func randomSeed() async throws {
        let seed =
            ProcessInfo.processInfo.environment["TOKENTOP_CHAOS_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 4...UInt64(UInt32.max))
        print("chaos seed \(seed)")
        let report = try await ChaosRun.run(seed: seed, rounds: Self.roundsPerSeed)
        #expect(report.failures.isEmpty, "seed \(seed) failed; add it to keptSeeds:\n\(report.failures.joined(separator: "\n"))")
    }
}
