import LinliDatabase
import LinliSettings
import Logging

extension LinliSettings {
    /// The connection settings every program derives from its settings. `asApplication`
    /// switches sessions to `databaseRole`, under row-level security; migrations and
    /// administration run as the login role.
    /// `reports` connects to `databaseReportsURL` (a read replica) when it is set.
    public func connectionConfiguration(
        applicationName: String, asApplication: Bool, limitStatements: Bool = false, reports: Bool = false
    ) -> ConnectionConfiguration {
        ConnectionConfiguration(
            connectionString: (reports ? databaseReportsURL ?? databaseURL : databaseURL) ?? "",
            applicationName: applicationName, sessionTimeZone: timeZone,
            sessionRole: asApplication ? databaseRole : nil,
            statementTimeout: limitStatements && databaseStatementTimeoutSeconds > 0
                ? .milliseconds(Int(databaseStatementTimeoutSeconds * 1000)) : nil)
    }

    /// A pool sized and timed as the settings say; the connection string is checked first.
    /// `limitStatements` applies `databaseStatementTimeoutSeconds` (the HTTP service's pool).
    public func makePool(
        applicationName: String, asApplication: Bool, limitStatements: Bool = false, maximumConnections: Int? = nil,
        reports: Bool = false, logger: Logger
    ) throws -> ConnectionPool {
        let configuration = connectionConfiguration(
            applicationName: applicationName, asApplication: asApplication, limitStatements: limitStatements,
            reports: reports)
        try configuration.validate()
        return ConnectionPool(
            configuration: configuration,
            options: .init(
                maximumConnections: maximumConnections ?? databasePoolSize,
                acquireTimeout: .milliseconds(Int(databaseAcquireTimeoutSeconds * 1000))),
            logger: logger)
    }
}
