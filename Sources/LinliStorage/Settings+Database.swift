import LinliDatabase
import LinliSettings
import Logging

extension LinliSettings {
    /// The connection settings every program derives from its settings. `asApplication`
    /// switches sessions to `databaseRole`, under row-level security; migrations and
    /// administration run as the login role.
    public func connectionConfiguration(applicationName: String, asApplication: Bool) -> ConnectionConfiguration {
        ConnectionConfiguration(
            connectionString: databaseURL ?? "", applicationName: applicationName, sessionTimeZone: timeZone,
            sessionRole: asApplication ? databaseRole : nil)
    }

    /// A pool sized and timed as the settings say; the connection string is checked first.
    public func makePool(
        applicationName: String, asApplication: Bool, maximumConnections: Int? = nil, logger: Logger
    ) throws -> ConnectionPool {
        let configuration = connectionConfiguration(applicationName: applicationName, asApplication: asApplication)
        try configuration.validate()
        return ConnectionPool(
            configuration: configuration,
            options: .init(
                maximumConnections: maximumConnections ?? databasePoolSize,
                acquireTimeout: .milliseconds(Int(databaseAcquireTimeoutSeconds * 1000))),
            logger: logger)
    }
}
