import Foundation
import LinliDatabase
import LinliDomain

/// Home-visit bookings made at the service desk, with their acceptable time windows, and their
/// life: requested → scheduled → done / no-show, or cancelled with a reason. All SQL for
/// `bookings` and `booking_windows` is here.
public struct BookingStore: Sendable {
    public init() {}

    /// Inserts the booking and its windows (at least one; each must end after it starts).
    /// `booking.bookedAt` is ignored: the database's clock stamps it.
    public func create(_ booking: Booking, on tx: Connection) async throws {
        guard !booking.windows.isEmpty else {
            throw StorageError(code: .invalidValue, message: "a booking needs at least one time window")
        }
        if let bad = booking.windows.first(where: { $0.end <= $0.start }) {
            throw StorageError(
                code: .invalidValue, message: "the window \(bad.start)–\(bad.end) does not end after it starts")
        }
        try await tx.execute(
            """
            INSERT INTO bookings (id, community_id, resident_id, service_type_id, minutes, notes, state, state_reason,
                                  slot_id, recurrence_id, booked_by, version)
            VALUES (\(booking.id), \(booking.communityID), \(booking.residentID), \(booking.serviceTypeID),
                    \(booking.minutes), \(booking.notes), \(booking.state), \(booking.stateReason), \(booking.slotID),
                    \(booking.recurrenceID), \(booking.bookedBy), \(booking.version))
            """)
        try await tx.execute(
            """
            INSERT INTO booking_windows (booking_id, community_id, during)
            SELECT \(booking.id), \(booking.communityID), tstzrange(w.s, w.e, '[)')
            FROM unnest(\(booking.windows.map(\.start))::timestamptz[], \(booking.windows.map(\.end))::timestamptz[])
                AS w(s, e)
            ON CONFLICT DO NOTHING
            """)
    }

    public func booking(_ id: ID<Booking>, on tx: Connection) async throws -> Booking {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM bookings b WHERE b.id = \(id)").rows.first else {
            throw StorageError.notFound("booking \(id)")
        }
        return try Self.booking(row)
    }

    /// The names (only the names) of the volunteers live on a visit's slot, by name. Readable in
    /// every role's scope, desk staff's too, who see no other column of a volunteer (0009).
    public func visitVolunteerNames(slot: ID<Slot>, on tx: Connection) async throws -> [String] {
        try await tx.query("SELECT linli_visit_volunteer_names(\(slot)) AS names").rows[0].decode("names")
    }

    /// A resident's bookings, newest first.
    public func bookings(resident: ID<Resident>, on tx: Connection) async throws -> [Booking] {
        try await tx.query(
            "SELECT \(Self.columns) FROM bookings b WHERE b.resident_id = \(resident) ORDER BY b.booked_at DESC, b.id"
        ).rows.map(Self.booking)
    }

    /// Bookings in one state, oldest first (the desk's work queue for `requested`).
    public func bookings(state: BookingState, on tx: Connection) async throws -> [Booking] {
        try await tx.query(
            "SELECT \(Self.columns) FROM bookings b WHERE b.state = \(state) ORDER BY b.booked_at, b.id"
        ).rows.map(Self.booking)
    }

    /// One page of bookings after the booking `after`: a resident's (in one state when given),
    /// newest first, or else one state's, oldest first (the desk's work queue). Keyset
    /// pagination on (booked_at, id), so pages stay stable while bookings are added.
    public func page(
        resident: ID<Resident>?, state: BookingState?, after: ID<Booking>?, limit: Int, on tx: Connection
    ) async throws -> [Booking] {
        if let resident {
            return try await tx.query(
                """
                SELECT \(Self.columns) FROM bookings b
                WHERE b.resident_id = \(resident) AND (\(state)::booking_state IS NULL OR b.state = \(state))
                  AND (\(after)::uuid IS NULL OR (b.booked_at, b.id) < (SELECT booked_at, id FROM bookings WHERE id = \(after)))
                ORDER BY b.booked_at DESC, b.id DESC LIMIT \(limit)
                """
            ).rows.map(Self.booking)
        }
        return try await tx.query(
            """
            SELECT \(Self.columns) FROM bookings b
            WHERE b.state = \(state ?? .requested)
              AND (\(after)::uuid IS NULL OR (b.booked_at, b.id) > (SELECT booked_at, id FROM bookings WHERE id = \(after)))
            ORDER BY b.booked_at, b.id LIMIT \(limit)
            """
        ).rows.map(Self.booking)
    }

    /// Bookings that concern the week starting on `week` (a Monday, community time zone): their
    /// slot starts in it, or, not yet scheduled, one of their windows overlaps it.
    public func bookings(week: LocalDate, on tx: Connection) async throws -> [Booking] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM bookings b
            JOIN communities c ON c.id = b.community_id
            CROSS JOIN LATERAL (SELECT tstzrange(\(week)::date::timestamp AT TIME ZONE c.time_zone,
                                                 (\(week)::date + 7)::timestamp AT TIME ZONE c.time_zone, '[)') AS r) AS wk
            LEFT JOIN slots s ON s.id = b.slot_id
            WHERE (s.id IS NOT NULL AND s.starts_at <@ wk.r)
               OR (s.id IS NULL AND EXISTS (SELECT 1 FROM booking_windows w WHERE w.booking_id = b.id AND w.during && wk.r))
            ORDER BY coalesce(s.starts_at, (SELECT min(lower(w.during)) FROM booking_windows w WHERE w.booking_id = b.id)),
                     b.id
            """
        ).rows.map(Self.booking)
    }

    /// Puts a requested (or already scheduled: moved) booking on `slot`.
    @discardableResult
    public func schedule(_ id: ID<Booking>, slot: ID<Slot>, on tx: Connection) async throws -> Booking {
        try await transition(
            id, to: .scheduled, from: [.requested, .scheduled], action: "schedule",
            set: "slot_id = \(slot), state_reason = NULL", on: tx)
    }

    /// Cancels a requested or scheduled booking; a reason is required. Its slot, if it had one,
    /// is cancelled with it so no volunteer goes to a visit that will not happen.
    @discardableResult
    public func cancel(_ id: ID<Booking>, reason: String, on tx: Connection) async throws -> Booking {
        let reason = try Self.required(reason, "cancelling a booking")
        let booking = try await transition(
            id, to: .cancelled, from: [.requested, .scheduled], action: "cancel", set: "state_reason = \(reason)",
            on: tx)
        if let slot = booking.slotID {
            try await tx.execute(
                """
                UPDATE slots SET status = 'cancelled', version = version + 1,
                    note = coalesce(note || ' · ', '') || \(reason)::text
                WHERE id = \(slot) AND status <> 'cancelled'
                """)
        }
        return booking
    }

    /// The visit took place.
    @discardableResult
    public func markDone(_ id: ID<Booking>, on tx: Connection) async throws -> Booking {
        try await transition(id, to: .done, from: [.scheduled], action: "mark done", set: "state_reason = NULL", on: tx)
    }

    /// The resident was not there; a reason is required.
    @discardableResult
    public func markNoShow(_ id: ID<Booking>, reason: String, on tx: Connection) async throws -> Booking {
        let reason = try Self.required(reason, "recording a no-show")
        return try await transition(
            id, to: .noShow, from: [.scheduled], action: "mark as no-show", set: "state_reason = \(reason)", on: tx)
    }

    private static func required(_ reason: String, _ what: String) throws -> String {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw StorageError(code: .invalidValue, message: "\(what) needs a reason")
        }
        return trimmed
    }

    /// Moves a booking from one of `from` to `to`, also setting `set`; a booking in another state
    /// is `.invalidValue`, a missing one `.notFound`.
    private func transition(
        _ id: ID<Booking>, to state: BookingState, from allowed: [BookingState], action: String, set: SQLQuery,
        on tx: Connection
    ) async throws -> Booking {
        let rows = try await tx.query(
            """
            UPDATE bookings b SET state = \(state), \(set), version = b.version + 1, updated_at = now()
            WHERE b.id = \(id) AND b.state = ANY (\(allowed)::booking_state[])
            RETURNING \(Self.columns)
            """
        ).rows
        if let row = rows.first { return try Self.booking(row) }
        guard let current = try await tx.query("SELECT state FROM bookings WHERE id = \(id)").rows.first else {
            throw StorageError.notFound("booking \(id)")
        }
        let now: BookingState = try current.decode("state")
        throw StorageError(code: .invalidValue, message: "cannot \(action) booking \(id): it is \(now.rawValue)")
    }

    static let columns: SQLQuery = """
        b.id, b.community_id, b.resident_id, b.service_type_id, b.minutes, b.notes, b.state, b.state_reason, b.slot_id,
        b.recurrence_id, b.booked_by, b.booked_at, b.version,
        ARRAY(SELECT lower(w.during) FROM booking_windows w WHERE w.booking_id = b.id ORDER BY lower(w.during), upper(w.during))
            AS window_starts,
        ARRAY(SELECT upper(w.during) FROM booking_windows w WHERE w.booking_id = b.id ORDER BY lower(w.during), upper(w.during))
            AS window_ends
        """

    static func booking(_ row: Row) throws -> Booking {
        let starts: [Date] = try row.decode("window_starts")
        let ends: [Date] = try row.decode("window_ends")
        return Booking(
            id: try row.decode("id"), communityID: try row.decode("community_id"),
            residentID: try row.decode("resident_id"), serviceTypeID: try row.decode("service_type_id"),
            minutes: try row.decode("minutes"), windows: zip(starts, ends).map { TimeWindow(start: $0, end: $1) },
            notes: try row.decode("notes"), state: try row.decode("state"), stateReason: try row.decode("state_reason"),
            slotID: try row.decode("slot_id"), recurrenceID: try row.decode("recurrence_id"),
            bookedBy: try row.decode("booked_by"), bookedAt: try row.decode("booked_at"),
            version: try row.decode("version"))
    }
}
