/// An error from the database layer: what failed, the server's SQLSTATE and diagnostics, and
/// the text of the query (never its parameter values), so callers can map it to a clear answer.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; compare with the static constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidConfiguration
            case connectionFailed
            case connectionClosed
            case server
            case decoding
            case poolTimedOut
            case poolClosed
            case copyFailed
            case cancelled
            case invalidParameter
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The connection string or settings are not valid.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A connection could not be opened.
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection was lost or closed while in use.
        public static let connectionClosed = Code(.connectionClosed)
        /// The server rejected a statement; see `sqlState`.
        public static let server = Code(.server)
        /// A value in a result could not be decoded into the requested Swift type.
        public static let decoding = Code(.decoding)
        /// No connection became free within the pool's acquire timeout.
        public static let poolTimedOut = Code(.poolTimedOut)
        /// The pool has been shut down.
        public static let poolClosed = Code(.poolClosed)
        /// A COPY did not complete.
        public static let copyFailed = Code(.copyFailed)
        /// The calling task was cancelled and the query was cancelled with it.
        public static let cancelled = Code(.cancelled)
        /// A parameter value cannot be sent (for example text holding a NUL character).
        public static let invalidParameter = Code(.invalidParameter)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The primary message (from the server, or from this layer).
    public var message: String
    /// Five-character SQLSTATE when the server reported one.
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    /// Name of the violated constraint, for integrity errors.
    public var constraint: String?
    public var schema: String?
    public var table: String?
    public var column: String?
    /// The SQL text with `$n` placeholders; parameter values are never kept.
    public var query: String?

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, schema: String? = nil, table: String? = nil, column: String? = nil,
        query: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.schema = schema
        self.table = table
        self.column = column
        self.query = query
    }

    /// 40001 serialization failure or 40P01 deadlock: the transaction may succeed if retried.
    public var isRetryableTransactionFailure: Bool {
        sqlState == SQLState.serializationFailure || sqlState == SQLState.deadlockDetected
    }
    public var isUniqueViolation: Bool { sqlState == SQLState.uniqueViolation }
    public var isExclusionViolation: Bool { sqlState == SQLState.exclusionViolation }
    public var isForeignKeyViolation: Bool { sqlState == SQLState.foreignKeyViolation }
    public var isCheckViolation: Bool { sqlState == SQLState.checkViolation }
    public var isNotNullViolation: Bool { sqlState == SQLState.notNullViolation }
    /// The connection itself failed (SQLSTATE class 08, administrator shutdown, or a lost socket).
    public var isConnectionFailure: Bool {
        code == .connectionFailed || code == .connectionClosed
            || (sqlState.map { $0.hasPrefix("08") || $0 == SQLState.adminShutdown || $0 == SQLState.crashShutdown } ?? false)
    }

    public var description: String {
        var parts = ["\(code): \(message)"]
        if let sqlState { parts.append("SQLSTATE \(sqlState)") }
        if let constraint { parts.append("constraint \(constraint)") }
        if let detail { parts.append("detail: \(detail)") }
        if let hint { parts.append("hint: \(hint)") }
        if let query { parts.append("query: \(query)") }
        return parts.joined(separator: "; ")
    }
}

/// SQLSTATE codes this project reacts to (PostgreSQL appendix A).
public enum SQLState {
    public static let uniqueViolation = "23505"
    public static let foreignKeyViolation = "23503"
    public static let notNullViolation = "23502"
    public static let checkViolation = "23514"
    public static let exclusionViolation = "23P01"
    public static let serializationFailure = "40001"
    public static let deadlockDetected = "40P01"
    public static let queryCanceled = "57014"
    public static let adminShutdown = "57P01"
    public static let crashShutdown = "57P02"
    public static let insufficientPrivilege = "42501"
    public static let undefinedTable = "42P01"
    public static let invalidCatalogName = "3D000"
}
