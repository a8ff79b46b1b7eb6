import CLibPQ
import Foundation

/// Where and how to connect: a libpq connection string (URI or `key=value` form), or empty to
/// use the standard `PG*` environment variables, `.pgpass` and `pg_service.conf` as libpq does.
///
/// Everything libpq understands works unchanged: several hosts with `target_session_attrs`,
/// `sslmode`, `connect_timeout`, unix-socket directories. The password never appears in
/// `description`.
public struct ConnectionConfiguration: Sendable, CustomStringConvertible {
    /// The connection string handed to libpq; empty means "PG* variables only".
    public var connectionString: String
    /// Reported to the server as `application_name` unless the string sets one.
    public var applicationName: String
    /// The session `TimeZone`; timestamps are exchanged with explicit offsets either way.
    public var sessionTimeZone: String
    /// A role every session switches to (`SET ROLE`) right after connecting, so row-level
    /// security applies even when the login role owns the tables; nil keeps the login role.
    public var sessionRole: String?
    /// The longest one statement may run in these sessions (`statement_timeout`); nil keeps the
    /// server's setting. A statement over it fails with SQLSTATE 57014.
    public var statementTimeout: Duration?

    public init(
        connectionString: String = "", applicationName: String = "linli", sessionTimeZone: String = "Asia/Shanghai",
        sessionRole: String? = nil, statementTimeout: Duration? = nil
    ) {
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.sessionTimeZone = sessionTimeZone
        self.sessionRole = sessionRole
        self.statementTimeout = statementTimeout
    }

    /// Checks the string with libpq's own parser, so a typo is reported before any connect.
    public func validate() throws {
        _ = try Self.parse(connectionString)
    }

    /// The settings without the password, for logs and error messages.
    public var redactedDescription: String {
        guard !connectionString.isEmpty else { return "the PG* environment settings" }
        guard let options = try? Self.parse(connectionString) else { return "an unparsable connection string" }
        let shown = ["host", "hostaddr", "port", "dbname", "user", "sslmode", "target_session_attrs"]
        let parts = shown.compactMap { key in options[key].map { "\(key)=\($0)" } }
        return parts.isEmpty ? "the PG* environment settings" : parts.joined(separator: " ")
    }

    public var description: String { redactedDescription }

    /// How a PostgreSQL client program (`pg_dump`, `pg_restore`, `psql`) reaches the same
    /// database: `dbname` for its `--dbname` argument, without the password, and the variables
    /// to add to its environment (the password goes in `PGPASSWORD`, so it never appears in a
    /// process list or a log). Settings not in the string come from the `PG*` variables and
    /// `.pgpass` in the program's inherited environment, as they do here.
    /// `options` are added to the server options (`-c name=value …`) the string may already set.
    public func clientProgramConnection(options: String? = nil) throws -> ClientProgramConnection {
        var parsed = try Self.parse(connectionString)
        var environment: [String: String] = [:]
        if let password = parsed.removeValue(forKey: "password") { environment["PGPASSWORD"] = password }
        if let options {
            parsed["options"] = [parsed["options"], options].compactMap { $0 }.joined(separator: " ")
        }
        if parsed["application_name"] == nil { parsed["fallback_application_name"] = applicationName }
        let dbname = parsed.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return "\(key)='\(escaped)'"
        }.joined(separator: " ")
        return ClientProgramConnection(dbname: dbname, environment: environment)
    }

    /// The options libpq reads from `string` (only those set in it).
    static func parse(_ string: String) throws -> [String: String] {
        guard !string.isEmpty else { return [:] }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(string, &errorMessage) else {
            var reason = "it is not a valid libpq connection string or URI"
            if let errorMessage {
                reason = String(cString: errorMessage).trimmingCharacters(in: .whitespacesAndNewlines)
                PQfreemem(errorMessage)
            }
            throw DatabaseError(
                code: .invalidConfiguration,
                message: "the database connection string is invalid: \(reason)",
                hint: "use a URI such as postgresql://user@host:5432/linli, or leave DATABASE_URL unset to use PG* variables")
        }
        defer { PQconninfoFree(options) }
        var out: [String: String] = [:]
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if let value = cursor.pointee.val {
                out[String(cString: keyword)] = String(cString: value)
            }
            cursor += 1
        }
        return out
    }
}

/// The connection settings for a PostgreSQL client program, from `clientProgramConnection`.
public struct ClientProgramConnection: Sendable, Equatable {
    /// A libpq `key='value'` string for `--dbname`; it holds no password.
    public let dbname: String
    /// Variables to add to the program's environment (`PGPASSWORD` when the string had one).
    public let environment: [String: String]
}
