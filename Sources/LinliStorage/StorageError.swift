import LinliDatabase
import LinliDomain

/// A storage failure in terms a caller can act on, with the database's diagnostics kept.
/// The HTTP layer maps `code` to a status (conflict → 409, notFound → 404, invalid → 422).
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; compare with the static constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case notFound, duplicate, doubleBooking, slotFull, invalidReference, invalidValue, forbidden
            case staleVersion, unavailable, timedOut, failed
            case careNotesKeyMissing, careNotesUnreadable
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The row does not exist in this community.
        public static let notFound = Code(.notFound)
        /// A unique key (phone, code, external ID) is taken.
        public static let duplicate = Code(.duplicate)
        /// The volunteer already has an overlapping assignment.
        public static let doubleBooking = Code(.doubleBooking)
        /// The slot already has its maximum headcount.
        public static let slotFull = Code(.slotFull)
        /// A referenced row does not exist (or belongs to another community).
        public static let invalidReference = Code(.invalidReference)
        /// A value breaks a rule of the data (a check constraint).
        public static let invalidValue = Code(.invalidValue)
        /// Row-level security or a privilege refused the change.
        public static let forbidden = Code(.forbidden)
        /// Someone else changed the row since it was read.
        public static let staleVersion = Code(.staleVersion)
        /// The database cannot be reached.
        public static let unavailable = Code(.unavailable)
        /// A statement ran longer than the session's `statement_timeout` and was stopped.
        public static let timedOut = Code(.timedOut)
        /// Anything else.
        public static let failed = Code(.failed)
        /// A care note must be sealed or opened, but no key (or not the key it names) is configured.
        public static let careNotesKeyMissing = Code(.careNotesKeyMissing)
        /// A sealed care note does not open with its key: the wrong key, or the value was
        /// altered or moved to another resident.
        public static let careNotesUnreadable = Code(.careNotesUnreadable)
        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String
    /// The violated constraint, when there is one.
    public var constraint: String?
    public var underlying: DatabaseError?

    public init(code: Code, message: String, constraint: String? = nil, underlying: DatabaseError? = nil) {
        self.code = code
        self.message = message
        self.constraint = constraint
        self.underlying = underlying
    }

    /// Classifies a database error by its SQLSTATE and constraint.
    public init(_ error: DatabaseError) {
        let code: Code
        switch error.sqlState {
        case SQLState.exclusionViolation where error.constraint?.hasPrefix("assignments_no_double_booking") == true:
            code = .doubleBooking
        case SQLState.checkViolation where error.constraint == "slot_headcount_max":
            code = .slotFull
        case SQLState.uniqueViolation, SQLState.exclusionViolation:
            code = .duplicate
        case SQLState.foreignKeyViolation:
            code = .invalidReference
        case SQLState.checkViolation, SQLState.notNullViolation, "22000", "22P02", "22007", "22008", "22023", "22001", "22003":
            code = .invalidValue
        case SQLState.insufficientPrivilege:
            code = .forbidden
        case SQLState.queryCanceled:
            // A cancel the caller asked for (its task was cancelled) arrives as CancellationError,
            // so this is the session's statement_timeout (or an administrator's pg_cancel_backend).
            code = .timedOut
        default:
            code = error.isConnectionFailure || error.code == .poolTimedOut || error.code == .poolClosed ? .unavailable : .failed
        }
        self.init(code: code, message: error.message, constraint: error.constraint, underlying: error)
    }

    /// Why an update guarded by `version` changed no row: someone else changed the row since
    /// it was read (`.staleVersion`), or it does not exist in this community (`.notFound`).
    static func staleOrMissing<Entity>(
        table: String, id: ID<Entity>, name: String, on tx: Connection
    ) async throws
        -> StorageError
    {
        let exists: Bool = try await tx.query("SELECT EXISTS (SELECT 1 FROM \(identifier: table) WHERE id = \(id)) AS e")
            .rows[0].decode("e")
        return exists
            ? StorageError(code: .staleVersion, message: "\(name) \(id) was changed by someone else; reload and try again")
            : StorageError.notFound("\(name) \(id)")
    }

    /// `what` (e.g. "slot <id>") is not there, or not in this community.
    public static func notFound(_ what: String) -> StorageError {
        StorageError(code: .notFound, message: "\(what) does not exist in this community")
    }

    public var description: String {
        "\(code): \(message)" + (constraint.map { " (\($0))" } ?? "")
    }
}
