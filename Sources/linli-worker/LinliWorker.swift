import Foundation
import LinliJobs
import LinliRostering
import LinliSettings
import Logging
import ServiceLifecycle

/// The worker: reads its settings and runs what `buildWorker` builds until SIGTERM/SIGINT.
@main
struct LinliWorker {
    static func main() async {
        do {
            let settings = try await LinliSettings.load()
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            var logger = Logger(label: "linli.worker")
            logger.logLevel = settings.logLevel
            let group = try buildWorker(settings: settings, logger: logger) { store, logger in
                RosterSolving(store: store, logger: logger).handlers
            }
            try await group.run()
        } catch {
            FileHandle.standardError.write(Data("linli-worker: \(error)\n".utf8))
            exit(1)
        }
    }
}
