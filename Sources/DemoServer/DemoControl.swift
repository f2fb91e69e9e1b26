import Foundation
import Logging

/// Switches faults on and off and rotates keys, for the admin endpoints, the `demo-server`
/// flags and `DemoEnvironment`. Owns the periodic key rotation.
actor DemoControl {
    private let faults: FaultSwitch
    private let keyRing: KeyRing
    private let logger: Logger
    private var rotation: Task<Void, Never>?

    init(faults: FaultSwitch, keyRing: KeyRing, logger: Logger) {
        self.faults = faults
        self.keyRing = keyRing
        self.logger = logger
    }

    /// The faults in force.
    var current: DemoFaults { faults.current }

    /// Puts `newFaults` in force, restarting periodic rotation when its interval changed.
    func apply(_ newFaults: DemoFaults) {
        let previous = faults.current
        faults.current = newFaults
        if previous.rotateKeysEvery != newFaults.rotateKeysEvery || rotation == nil {
            schedulePeriodicRotation(newFaults.rotateKeysEvery)
        }
        logger.log(
            level: previous == newFaults ? .debug : .info,
            "faults set",
            metadata: [
                "latency": "\(newFaults.latency)", "token_error_rate": "\(newFaults.tokenErrorRate)",
                "resource_down": "\(newFaults.resourceDown)",
                "rotate_keys_every": "\(newFaults.rotateKeysEvery.map { "\($0)" } ?? "never")",
                "breaking_rotation": "\(newFaults.breakingRotation)", "clock_offset": "\(newFaults.clockOffset)",
                "resource_expect_audience": "\(newFaults.resourceExpectedAudience ?? "-")",
                "resource_expect_issuer": "\(newFaults.resourceExpectedIssuer ?? "-")",
            ])
    }

    /// Rotates the signing key now and answers the new key id.
    @discardableResult
    func rotateKeys() async throws -> String {
        let breaking = faults.current.breakingRotation
        try await keyRing.rotate(breaking: breaking)
        let kid = await keyRing.currentKID
        logger.info("signing key rotated", metadata: ["kid": "\(kid)", "old_key": breaking ? "removed" : "kept for the overlap"])
        return kid
    }

    /// Stops periodic rotation.
    func stop() {
        rotation?.cancel()
        rotation = nil
    }

    private func schedulePeriodicRotation(_ interval: Duration?) {
        rotation?.cancel()
        rotation = nil
        guard let interval, interval > .zero else { return }
        rotation = Task { [weak self] in
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                    try await self?.rotateKeys()
                } catch {
                    return
                }
            }
        }
    }
}
