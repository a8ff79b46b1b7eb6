import Foundation
import Hummingbird
import LinliAPI
import LinliSettings
import Logging
import Metrics
import Prometheus

/// The HTTP service: reads its settings and runs what `buildApplication` builds.
@main
struct LinliServer {
    static func main() async {
        do {
            let settings = try await LinliSettings.load()
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            var logger = Logger(label: "linli.server")
            logger.logLevel = settings.logLevel
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let dependencies = try APIDependencies.live(settings: settings, metrics: registry, logger: logger)
            do {
                for warning in try await dependencies.checkCareNotes() { logger.warning("\(warning)") }
            } catch let error as CareNotesStartError {
                throw error
            } catch {
                // The database may come later (/readyz says so); the check is not repeated then.
                logger.warning("care notes not checked at start: \(error)")
            }
            let app = buildApplication(settings: settings, dependencies: dependencies, logger: logger)
            try await app.runService()
        } catch {
            FileHandle.standardError.write(Data("linli-server: \(error)\n".utf8))
            exit(1)
        }
    }
}
