import Foundation
import Testing
import Yams

/// examples/kubernetes, checked offline: the core objects against Kubernetes' own schemas
/// (kubernetes-validate), the Containerfile by hadolint (both pinned in the validators' venv),
/// the PrometheusRule against its one source, and the objects against each other.
@Suite("examples/kubernetes")
struct KubernetesExamplesTests {
    static let folder = Repository.root.appending(path: "examples/kubernetes", directoryHint: .isDirectory)
    static let venv = Repository.root.appending(path: ".build/pyvenv/bin", directoryHint: .isDirectory)

    struct MissingValidator: Error, CustomStringConvertible {
        let program: String
        var description: String {
            "\(program) is missing from \(KubernetesExamplesTests.venv.path): run .ci/run, or python3 -m venv .build/pyvenv && "
                + ".build/pyvenv/bin/pip install -r Tests/DemoServerTests/Validators/requirements.txt"
        }
    }

    private func validator(_ name: String) throws -> String {
        let path = Self.venv.appending(path: name).path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw MissingValidator(program: name) }
        return path
    }

    /// The one object a file of the folder holds, as YAML decodes it.
    private func object(_ file: String) throws -> [String: Any] {
        let text = try String(contentsOf: Self.folder.appending(path: file), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any], "\(file) holds no object")
    }

    @Test("the Deployment, Service and Secret pass kubernetes-validate --strict against Kubernetes' schemas")
    func coreObjectsValidate() async throws {
        let outcome = try await Tools.run(
            try validator("kubernetes-validate"), ["--strict", "secret.yaml", "deployment.yaml", "service.yaml"], in: Self.folder)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(outcome.output.components(separatedBy: " passed for resource ").count == 4, "\(outcome)")
    }

    @Test("the Containerfile passes hadolint")
    func containerfileLints() async throws {
        let outcome = try await Tools.run(try validator("hadolint"), ["--no-color", "Containerfile"], in: Self.folder)
        #expect(outcome.succeeded && outcome.output.isEmpty, "\(outcome)")
    }

    @Test("prometheusrule.yaml is what generate-prometheusrule makes of examples/prometheus/alerts.yml now")
    func prometheusRuleIsCurrent() async throws {
        let generated = try await Tools.run("/bin/sh", ["generate-prometheusrule"], in: Self.folder)
        #expect(generated.succeeded, "\(generated)")
        let committed = try String(contentsOf: Self.folder.appending(path: "prometheusrule.yaml"), encoding: .utf8)
        #expect(generated.output == committed, "prometheusrule.yaml is stale: run make kubernetes")
        // The spec holds the same rules, as YAML reads them.
        let rules = try String(contentsOf: Repository.prometheusExamples.appending(path: "alerts.yml"), encoding: .utf8)
        let spec = try #require(try Yams.compose(yaml: committed)?.mapping?["spec"])
        #expect(spec == (try Yams.compose(yaml: rules)))
    }

    @Test("the Deployment runs serve non-root on a read-only root, configured from the Secret, alive on /healthz")
    func deploymentShape() throws {
        let deployment = try object("deployment.yaml")
        let secret = try object("secret.yaml")
        let pod = try #require((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])
        let podSpec = try #require(pod["spec"] as? [String: Any])
        let container = try #require((podSpec["containers"] as? [[String: Any]])?.first)
        let podSecurity = try #require(podSpec["securityContext"] as? [String: Any])
        let security = try #require(container["securityContext"] as? [String: Any])
        #expect(podSecurity["runAsNonRoot"] as? Bool == true)
        #expect((podSecurity["runAsUser"] as? Int).map { $0 > 0 } == true)
        #expect(security["readOnlyRootFilesystem"] as? Bool == true)
        #expect(security["allowPrivilegeEscalation"] as? Bool == false)

        let liveness = try #require((container["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])
        #expect(liveness["path"] as? String == "/healthz")
        let args = try #require(container["args"] as? [String])
        #expect(args.first == "serve")

        // --config and --auth-token-file name files of the Secret, mounted where the arguments look.
        let secretName = try #require((secret["metadata"] as? [String: Any])?["name"] as? String)
        let secretFiles = try #require(secret["stringData"] as? [String: Any]).keys
        let volume = try #require((podSpec["volumes"] as? [[String: Any]])?.first { ($0["secret"] as? [String: Any]) != nil })
        #expect((volume["secret"] as? [String: Any])?["secretName"] as? String == secretName)
        let mount = try #require(
            (container["volumeMounts"] as? [[String: Any]])?.first { $0["name"] as? String == volume["name"] as? String })
        let mountPath = try #require(mount["mountPath"] as? String)
        for option in ["--config=", "--auth-token-file="] {
            let path = try #require(args.first { $0.hasPrefix(option) }).dropFirst(option.count)
            #expect(
                path.hasPrefix(mountPath + "/") && secretFiles.contains(String(path.dropFirst(mountPath.count + 1))),
                "\(option)\(path)")
        }
    }

    @Test("the Service selects the Deployment's pods and the ServiceMonitor scrapes it with the Secret's token")
    func serviceAndMonitorMatch() throws {
        let deployment = try object("deployment.yaml")
        let service = try object("service.yaml")
        let monitor = try object("servicemonitor.yaml")
        let secret = try object("secret.yaml")
        let pod = try #require((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])
        let podLabels = try #require((pod["metadata"] as? [String: Any])?["labels"] as? [String: String])
        let serviceSpec = try #require(service["spec"] as? [String: Any])
        let selector = try #require(serviceSpec["selector"] as? [String: String])
        #expect(selector.allSatisfy { podLabels[$0.key] == $0.value })

        let serviceLabels = try #require((service["metadata"] as? [String: Any])?["labels"] as? [String: String])
        let monitorSpec = try #require(monitor["spec"] as? [String: Any])
        let matchLabels = try #require((monitorSpec["selector"] as? [String: Any])?["matchLabels"] as? [String: String])
        #expect(matchLabels.allSatisfy { serviceLabels[$0.key] == $0.value })
        let endpoint = try #require((monitorSpec["endpoints"] as? [[String: Any]])?.first)
        let portNames = (serviceSpec["ports"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(portNames.contains(try #require(endpoint["port"] as? String)))
        let credentials = try #require((endpoint["authorization"] as? [String: Any])?["credentials"] as? [String: String])
        #expect(credentials["name"] == (secret["metadata"] as? [String: Any])?["name"] as? String)
        #expect((secret["stringData"] as? [String: Any])?[credentials["key"] ?? ""] != nil)
    }
}
