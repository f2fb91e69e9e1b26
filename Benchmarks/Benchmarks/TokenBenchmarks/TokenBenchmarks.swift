import Benchmark
import Foundation
import OAuthClient

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5))

    let response = Data(
        #"{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln","token_type":"Bearer","expires_in":"3600","scope":"custom_mod","ext_expires_in":7200}"#
            .utf8)
    Benchmark("Token response parsing") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try TokenResponseParser.parseSuccess(response, issuedAt: Date(), endpoint: nil))
        }
    }
}
