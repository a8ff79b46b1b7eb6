import CLibPQ
import Foundation
import Logging
import NIOPosix

/// Moves a libpq handle into the blocking thread pool. The handle never leaves this module.
struct RawHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// One PostgreSQL session over libpq. It owns its `PGconn` and frees it exactly once.
///
/// A connection is used by one task at a time: the pool lends it to exactly one borrower,
/// and every blocking libpq call runs on the pool's dedicated threads, never on an event loop
/// or Swift's cooperative pool. That exclusive-lease invariant is why it is `@unchecked Sendable`.
public final class Connection: @unchecked Sendable {
    private var handle: RawHandle?
    private let cancelHandle: RawHandle?
    let executor: NIOThreadPool
    let logger: Logger
    /// Set when libpq reports the connection unusable; the pool then drops it.
    public private(set) var isBroken = false
    /// The server's process ID for this session (for `pg_terminate_backend`, logs).
    public let backendPID: Int32
    /// When the connection was last handed back to the pool.
    var lastUsed = ContinuousClock.now

    private init(handle: RawHandle, executor: NIOThreadPool, logger: Logger) {
        self.handle = handle
        self.executor = executor
        self.logger = logger
        self.backendPID = PQbackendPID(handle.pointer)
        self.cancelHandle = PQgetCancel(handle.pointer).map(RawHandle.init)
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle.pointer) }
        if let handle { PQfinish(handle.pointer) }
    }

    /// Opens a connection on `executor`'s threads (connecting blocks on DNS, TCP and TLS).
    public static func connect(
        _ configuration: ConnectionConfiguration, executor: NIOThreadPool, logger: Logger
    ) async throws -> Connection {
        let raw: RawHandle = try await executor.runIfActive {
            try openConnection(configuration)
        }
        // Server notices (such as "terminating connection" on an idle session) are not for
        // standard error; errors that matter reach the caller through results.
        PQsetNoticeProcessor(raw.pointer, { _, _ in }, nil)
        let connection = Connection(handle: raw, executor: executor, logger: logger)
        // Every session speaks the same dialect, whatever the server's defaults are.
        _ = try await connection.query(
            """
            SELECT set_config('DateStyle', 'ISO, YMD', false), set_config('IntervalStyle', 'iso_8601', false),
                   set_config('TimeZone', \(configuration.sessionTimeZone), false)
            """)
        if let timeout = configuration.statementTimeout {
            let milliseconds = max(
                1, Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
            _ = try await connection.query("SELECT set_config('statement_timeout', \(String(milliseconds)), false)")
        }
        if let role = configuration.sessionRole {
            do {
                try await connection.query("SELECT set_config('role', \(role), false)")
            } catch var error as DatabaseError {
                await connection.close()
                error.hint =
                    "the database role '\(role)' is created by `linli migrate`; run it, or set LINLI_DATABASE_ROLE (LINLI_WORKER_DATABASE_ROLE for the worker)"
                throw error
            }
        }
        return connection
    }

    private static func openConnection(_ configuration: ConnectionConfiguration) throws -> RawHandle {
        var keys: [String] = ["fallback_application_name", "client_encoding"]
        var values: [String] = [configuration.applicationName, "UTF8"]
        if !configuration.connectionString.isEmpty {
            keys.append("dbname")
            values.append(configuration.connectionString)
        }
        let conn: OpaquePointer? = withCStringArray(keys) { keyPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keyPointers, valuePointers, 1)
            }
        }
        guard let conn else {
            throw DatabaseError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(conn)
            throw DatabaseError(
                code: .connectionFailed,
                message: "cannot connect to PostgreSQL at \(configuration.redactedDescription): \(message)",
                hint: "check DATABASE_URL (or the PG* variables) and that the server is running")
        }
        return RawHandle(pointer: conn)
    }

    /// Runs `body` with the raw handle on a blocking thread; cancelling the task cancels the query.
    func withHandle<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        guard let handle, !isBroken else {
            throw DatabaseError(code: .connectionClosed, message: "the connection is closed")
        }
        let cancel = cancelHandle
        do {
            return try await withTaskCancellationHandler {
                try await executor.runIfActive { try body(handle.pointer) }
            } onCancel: {
                if let cancel { Connection.sendCancel(cancel) }
            }
        } catch let error as DatabaseError {
            if PQstatus(handle.pointer) != CONNECTION_OK || error.code == .connectionClosed { isBroken = true }
            if error.sqlState == SQLState.queryCanceled, Task.isCancelled {
                throw DatabaseError(code: .cancelled, message: "the query was cancelled", query: error.query)
            }
            throw error
        } catch {
            if PQstatus(handle.pointer) != CONNECTION_OK { isBroken = true }
            throw error
        }
    }

    private static func sendCancel(_ cancel: RawHandle) {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel.pointer, &buffer, Int32(buffer.count))
    }

    /// Runs one statement with bound parameters and returns its rows.
    @discardableResult
    public func query(_ query: SQLQuery) async throws -> QueryResult {
        let sql = query.sql
        let bindings = query.bindings
        if let bad = bindings.firstIndex(where: { $0.text?.utf8.contains(0) ?? false }) {
            throw DatabaseError(
                code: .invalidParameter,
                message: "parameter $\(bad + 1) contains a NUL character, which PostgreSQL text cannot hold", query: sql)
        }
        return try await withHandle { conn in
            let result = withCStringArray(bindings.map(\.text)) { values in
                bindings.map(\.typeOID).withUnsafeBufferPointer { types in
                    PQexecParams(conn, sql, Int32(bindings.count), types.baseAddress, values, nil, nil, 0)
                }
            }
            return try Connection.collect(result, connection: conn, sql: sql)
        }
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: SQLQuery) async throws -> Int {
        try await self.query(query).affectedRows
    }

    /// Runs trusted SQL text that may hold several statements and no parameters (a migration file).
    public func executeScript(_ query: SQLQuery) async throws {
        precondition(query.bindings.isEmpty, "a script cannot take parameters")
        let sql = query.sql
        _ = try await withHandle { conn in
            try Connection.collect(PQexec(conn, sql), connection: conn, sql: sql)
        }
    }

    /// Turns a `PGresult` into rows or an error, and clears it.
    static func collect(_ result: OpaquePointer?, connection conn: OpaquePointer, sql: String) throws -> QueryResult {
        guard let result else {
            throw DatabaseError(
                code: PQstatus(conn) == CONNECTION_OK ? .server : .connectionClosed,
                message: String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines),
                query: sql)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return rows(of: result)
        default:
            throw error(from: result, connection: conn, sql: sql)
        }
    }

    static func rows(of result: OpaquePointer) -> QueryResult {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let names = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        let layout = ColumnLayout(names: names)
        var rows: [Row] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<Int32(rowCount) {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for c in 0..<Int32(columnCount) {
                if PQgetisnull(result, r, c) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, r, c)))
                }
            }
            rows.append(Row(layout: layout, values: values))
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(rows: rows, affectedRows: affected, columnNames: names)
    }

    static func error(from result: OpaquePointer, connection conn: OpaquePointer, sql: String) -> DatabaseError {
        func field(_ code: Character) -> String? {
            guard let ascii = code.asciiValue, let value = PQresultErrorField(result, Int32(ascii)) else { return nil }
            return String(cString: value)
        }
        let state = field("C")
        var message = field("M") ?? String(cString: PQresultErrorMessage(result))
        message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if message.isEmpty { message = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines) }
        return DatabaseError(
            code: failureCode(sqlState: state),
            message: message, sqlState: state, detail: field("D"), hint: field("H"), constraint: field("n"),
            schema: field("s"), table: field("t"), column: field("c"), query: sql)
    }

    /// What a failed statement's result means. Every error the server sends has a SQLSTATE; a
    /// result without one was made by libpq itself, and that happens when the session is gone:
    /// a backend that died while the connection sat idle in the pool (PostgreSQL stopped with
    /// `-m immediate` sends only a WARNING before it exits) answers the next statement with
    /// "server closed the connection unexpectedly" while libpq still reports CONNECTION_OK.
    /// Such a connection is closed and dropped, and the caller sees a connection failure (the
    /// service's 503), not a server error (a 500).
    static func failureCode(sqlState: String?) -> DatabaseError.Code {
        sqlState == nil ? .connectionClosed : .server
    }

    /// True when the session is idle outside a transaction and still connected. Reads what the
    /// server may have sent meanwhile (such as a termination notice) without blocking: libpq's
    /// socket is non-blocking, so this is safe on any thread.
    func isHealthyAndIdle() -> Bool {
        guard let handle, !isBroken else { return false }
        // A terminated backend first sends its FATAL message, then closes: keep reading while
        // the socket has something, so the closing end of file is seen too.
        let socket = PQsocket(handle.pointer)
        for _ in 0..<8 {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard socket >= 0, poll(&descriptor, 1, 0) > 0 else { break }
            if PQconsumeInput(handle.pointer) == 0 || PQstatus(handle.pointer) != CONNECTION_OK {
                isBroken = true
                return false
            }
        }
        if PQstatus(handle.pointer) != CONNECTION_OK {
            isBroken = true
            return false
        }
        while let notice = PQnotifies(handle.pointer) { PQfreemem(notice) }
        return PQtransactionStatus(handle.pointer) == PQTRANS_IDLE
    }

    /// Closes the session now. Later calls fail with `connectionClosed`.
    public func close() async {
        guard let handle else { return }
        self.handle = nil
        isBroken = true
        try? await executor.runIfActive { PQfinish(handle.pointer) }
    }

    /// Marks the connection unusable (for example after an abandoned COPY), so the pool drops it.
    func markBroken() { isBroken = true }
}

/// Calls `body` with a C array of NUL-terminated strings (nil entries stay NULL); frees them after.
func withCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let duplicated: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } }
    defer { duplicated.forEach { free($0) } }
    let constPointers: [UnsafePointer<CChar>?] = duplicated.map { $0.map { UnsafePointer($0) } } + [nil]
    return constPointers.withUnsafeBufferPointer { body($0.baseAddress) }
}

func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    withCStringArray(strings.map { Optional($0) }, body)
}
