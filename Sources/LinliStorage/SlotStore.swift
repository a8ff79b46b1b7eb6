import Foundation
import LinliDatabase
import LinliDomain

/// Dated slots: created one by one or by `SlotGenerator`, changed with optimistic concurrency
/// on `version`. All SQL for `slots` (except the generator's) is here.
public struct SlotStore: Sendable {
    public init() {}

    public func create(_ slot: Slot, on tx: Connection) async throws {
        try Self.checkTimes(slot)
        try await tx.execute(
            """
            INSERT INTO slots (id, community_id, service_type_id, place_id, team_id, template_id, starts_at, ends_at,
                               headcount_min, headcount_max, status, note, version)
            VALUES (\(slot.id), \(slot.communityID), \(slot.serviceTypeID), \(slot.placeID), \(slot.teamID),
                    \(slot.templateID), \(slot.start), \(slot.end), \(slot.headcountMin), \(slot.headcountMax),
                    \(slot.status), \(slot.note), \(slot.version))
            """)
    }

    public func slot(_ id: ID<Slot>, on tx: Connection) async throws -> Slot {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM slots s WHERE s.id = \(id)").rows.first else {
            throw StorageError.notFound("slot \(id)")
        }
        return try Self.slot(row)
    }

    /// The slots starting in the week that begins on `week` (a Monday, in the community's time
    /// zone), cancelled ones too, by start time.
    public func slots(week: LocalDate, on tx: Connection) async throws -> [Slot] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM slots s JOIN communities c ON c.id = s.community_id
            WHERE s.starts_at >= \(week)::date::timestamp AT TIME ZONE c.time_zone
              AND s.starts_at < (\(week)::date + 7)::timestamp AT TIME ZONE c.time_zone
            ORDER BY s.starts_at, s.id
            """
        ).rows.map(Self.slot)
    }

    /// Moves or resizes `slot` (start, end, headcount, note) if it still has `slot.version`;
    /// returns it with its new version. Its assignments move with it. Someone else's change in
    /// between is `.staleVersion`; moving it onto another assignment of one of its volunteers
    /// is `.doubleBooking`; a maximum below the people already assigned is `.slotFull`.
    @discardableResult
    public func update(_ slot: Slot, on tx: Connection) async throws -> Slot {
        try Self.checkTimes(slot)
        let rows = try await tx.query(
            """
            UPDATE slots s SET starts_at = \(slot.start), ends_at = \(slot.end), headcount_min = \(slot.headcountMin),
                headcount_max = \(slot.headcountMax), note = \(slot.note), version = s.version + 1
            WHERE s.id = \(slot.id) AND s.version = \(slot.version)
            RETURNING \(Self.columns)
            """
        ).rows
        guard let row = rows.first else { throw try await missing(slot.id, on: tx) }
        return try Self.slot(row)
    }

    /// Cancels the slot (it stays, with its assignments, for the record); returns it.
    @discardableResult
    public func cancel(_ id: ID<Slot>, note: String? = nil, on tx: Connection) async throws -> Slot {
        let rows = try await tx.query(
            """
            UPDATE slots s SET status = 'cancelled', note = coalesce(\(note), s.note), version = s.version + 1
            WHERE s.id = \(id)
            RETURNING \(Self.columns)
            """
        ).rows
        guard let row = rows.first else { throw StorageError.notFound("slot \(id)") }
        return try Self.slot(row)
    }

    /// The generated `during` range fails with a bare SQLSTATE 22000 before the table's CHECK
    /// sees a reversed interval, so that case is answered here.
    private static func checkTimes(_ slot: Slot) throws {
        guard slot.end > slot.start else {
            throw StorageError(code: .invalidValue, message: "a slot must end after it starts (\(slot.start)–\(slot.end))")
        }
    }

    /// Why an update by version touched nothing: the row changed, or it is not there.
    private func missing(_ id: ID<Slot>, on tx: Connection) async throws -> StorageError {
        let rows = try await tx.query("SELECT version FROM slots WHERE id = \(id)").rows
        guard let row = rows.first else { return StorageError.notFound("slot \(id)") }
        let current: Int = try row.decode("version")
        return StorageError(
            code: .staleVersion, message: "slot \(id) was changed by someone else (now version \(current)); reload it")
    }

    static let columns: SQLQuery = """
        s.id, s.community_id, s.service_type_id, s.place_id, s.team_id, s.template_id, s.starts_at, s.ends_at,
        s.headcount_min, s.headcount_max, s.status, s.note, s.version
        """

    static func slot(_ row: Row) throws -> Slot {
        Slot(
            id: try row.decode("id"), communityID: try row.decode("community_id"),
            serviceTypeID: try row.decode("service_type_id"), placeID: try row.decode("place_id"),
            teamID: try row.decode("team_id"), templateID: try row.decode("template_id"),
            start: try row.decode("starts_at"), end: try row.decode("ends_at"),
            headcountMin: try row.decode("headcount_min"), headcountMax: try row.decode("headcount_max"),
            status: try row.decode("status"), note: try row.decode("note"), version: try row.decode("version"))
    }
}
