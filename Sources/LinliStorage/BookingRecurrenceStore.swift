import Foundation
import LinliDatabase
import LinliDomain

/// Standing visit requests ("every Wednesday morning 陪聊"). All SQL for `booking_recurrences`
/// is here.
public struct BookingRecurrenceStore: Sendable {
    public init() {}

    public func create(_ recurrence: BookingRecurrence, createdBy: ID<User>? = nil, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO booking_recurrences (id, community_id, resident_id, service_type_id, weekday, window_start,
                                             window_end, minutes, valid_from, valid_until, notes, is_active, created_by)
            VALUES (\(recurrence.id), \(recurrence.communityID), \(recurrence.residentID), \(recurrence.serviceTypeID),
                    \(recurrence.weekday), \(recurrence.windowStartMinute), \(recurrence.windowEndMinute),
                    \(recurrence.minutes), \(recurrence.validFrom), \(recurrence.validUntil), \(recurrence.notes),
                    \(recurrence.isActive), \(createdBy))
            """)
    }

    public func recurrence(_ id: ID<BookingRecurrence>, on tx: Connection) async throws -> BookingRecurrence {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM booking_recurrences WHERE id = \(id)").rows.first
        else { throw StorageError.notFound("booking recurrence \(id)") }
        return try Self.recurrence(row)
    }

    /// Standing requests, of one resident or all, by weekday and window.
    public func recurrences(
        resident: ID<Resident>? = nil, includeInactive: Bool = false, on tx: Connection
    ) async throws -> [BookingRecurrence] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM booking_recurrences
            WHERE (\(resident)::uuid IS NULL OR resident_id = \(resident)) AND (\(includeInactive) OR is_active)
            ORDER BY weekday, window_start, id
            """
        ).rows.map(Self.recurrence)
    }

    /// Ends a standing request; bookings already made from it stay.
    public func deactivate(_ id: ID<BookingRecurrence>, on tx: Connection) async throws {
        if try await tx.execute("UPDATE booking_recurrences SET is_active = false WHERE id = \(id)") == 0 {
            throw StorageError.notFound("booking recurrence \(id)")
        }
    }

    static let columns: SQLQuery = """
        id, community_id, resident_id, service_type_id, weekday, window_start, window_end, minutes, valid_from,
        valid_until, notes, is_active
        """

    static func recurrence(_ row: Row) throws -> BookingRecurrence {
        BookingRecurrence(
            id: try row.decode("id"), communityID: try row.decode("community_id"),
            residentID: try row.decode("resident_id"), serviceTypeID: try row.decode("service_type_id"),
            weekday: try row.decode("weekday"), windowStartMinute: try row.decode("window_start"),
            windowEndMinute: try row.decode("window_end"), minutes: try row.decode("minutes"),
            validFrom: try row.decode("valid_from"), validUntil: try row.decode("valid_until"),
            notes: try row.decode("notes"), isActive: try row.decode("is_active"))
    }
}
