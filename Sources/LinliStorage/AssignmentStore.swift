import Foundation
import LinliDatabase
import LinliDomain

/// Volunteers on slots in a roster version. The database refuses an overlapping assignment of
/// the same volunteer (`.doubleBooking`) and more people than a slot's maximum (`.slotFull`),
/// also under concurrent writers. All SQL for `assignments` and `roster_slot_fill` is here.
public struct AssignmentStore: Sendable {
    public init() {}

    /// Puts `assignment.volunteerID` on `assignment.slotID` in `assignment.rosterID` and returns
    /// the stored assignment. In a published roster it is live at once (`isLive` is ignored); a
    /// superseded roster or a cancelled slot is `.invalidValue`.
    @discardableResult
    public func assign(
        _ assignment: Assignment, createdBy: ID<User>? = nil, on tx: Connection
    ) async throws
        -> Assignment
    {
        // Writers of one volunteer queue here. The exclusion constraints alone also refuse an
        // overlap, but concurrent inserts checking each other's rows can deadlock (40P01).
        try await tx.query(
            "SELECT pg_advisory_xact_lock(hashtextextended('linli.volunteer ' || \(assignment.volunteerID)::text, 0))")
        // FOR SHARE: a concurrent publish of this roster finishes first, so `is_live` is right.
        let rows = try await tx.query(
            """
            INSERT INTO assignments (id, roster_id, community_id, slot_id, volunteer_id, during, is_live, is_pinned,
                                     reason, created_by)
            SELECT \(assignment.id), r.id, r.community_id, s.id, \(assignment.volunteerID), s.during,
                   r.state = 'published', \(assignment.isPinned), \(assignment.reason), \(createdBy)
            FROM (SELECT id, community_id, state FROM rosters WHERE id = \(assignment.rosterID) FOR SHARE) AS r
            JOIN slots s ON s.id = \(assignment.slotID) AND s.community_id = r.community_id
            WHERE r.state <> 'superseded' AND s.status = 'open'
            RETURNING \(Self.columns)
            """
        ).rows
        if let row = rows.first { return try Self.assignment(row) }
        guard let roster = try await tx.query("SELECT state FROM rosters WHERE id = \(assignment.rosterID)").rows.first
        else { throw StorageError.notFound("roster \(assignment.rosterID)") }
        guard let slot = try await tx.query("SELECT status FROM slots WHERE id = \(assignment.slotID)").rows.first else {
            throw StorageError.notFound("slot \(assignment.slotID)")
        }
        if try roster.decode("state", as: RosterState.self) == .superseded {
            throw StorageError(
                code: .invalidValue, message: "roster \(assignment.rosterID) is superseded; change a newer version")
        }
        let status: SlotStatus = try slot.decode("status")
        throw StorageError(code: .invalidValue, message: "slot \(assignment.slotID) is \(status.rawValue)")
    }

    public func assignment(_ id: ID<Assignment>, on tx: Connection) async throws -> Assignment {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM assignments WHERE id = \(id)").rows.first else {
            throw StorageError.notFound("assignment \(id)")
        }
        return try Self.assignment(row)
    }

    /// Takes the volunteer off the slot. An assignment with recorded attendance stays
    /// (`.invalidReference`): its hours are on the books.
    public func unassign(_ id: ID<Assignment>, on tx: Connection) async throws {
        if try await tx.execute("DELETE FROM assignments WHERE id = \(id)") == 0 {
            throw StorageError.notFound("assignment \(id)")
        }
    }

    /// Marks a hand-made decision the scheduler must keep; the reason is required.
    @discardableResult
    public func pin(_ id: ID<Assignment>, reason: String, on tx: Connection) async throws -> Assignment {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw StorageError(code: .invalidValue, message: "pinning an assignment needs a reason")
        }
        return try await setPinned(id, true, reason: reason, on: tx)
    }

    /// Lets the scheduler change the assignment again.
    @discardableResult
    public func unpin(_ id: ID<Assignment>, on tx: Connection) async throws -> Assignment {
        try await setPinned(id, false, reason: nil, on: tx)
    }

    private func setPinned(
        _ id: ID<Assignment>, _ pinned: Bool, reason: String?, on tx: Connection
    ) async throws
        -> Assignment
    {
        let rows = try await tx.query(
            """
            UPDATE assignments SET is_pinned = \(pinned), reason = coalesce(\(reason), reason)
            WHERE id = \(id) RETURNING \(Self.columns)
            """
        ).rows
        guard let row = rows.first else { throw StorageError.notFound("assignment \(id)") }
        return try Self.assignment(row)
    }

    /// A roster version's assignments, by slot start time and volunteer.
    public func assignments(roster: ID<Roster>, on tx: Connection) async throws -> [Assignment] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM assignments
            WHERE roster_id = \(roster) ORDER BY lower(during), slot_id, volunteer_id
            """
        ).rows.map(Self.assignment)
    }

    /// One page of a roster version's assignments by slot start time, after the assignment
    /// `after` (keyset pagination on (start, id); `after` is given with its slot, so a page
    /// still follows when that assignment was removed meanwhile).
    public func page(
        roster: ID<Roster>, after: (slot: ID<Slot>, id: ID<Assignment>)?, limit: Int, on tx: Connection
    ) async throws -> [Assignment] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM assignments
            WHERE roster_id = \(roster)
              AND (\(after?.id)::uuid IS NULL
                   OR (lower(during), id) > ((SELECT lower(during) FROM slots WHERE id = \(after?.slot)), \(after?.id)::uuid))
            ORDER BY lower(during), id LIMIT \(limit)
            """
        ).rows.map(Self.assignment)
    }

    /// Another assignment of one of `slot`'s volunteers that a time range would overlap.
    public struct Clash: Hashable, Sendable {
        public var volunteerID: ID<Volunteer>
        public var volunteerName: String
        public var slotID: ID<Slot>
        public var start: Date
        public var end: Date
    }

    /// The assignments that would clash if `slot` ran from `start` to `end`: those of its
    /// volunteers in the same roster version, or live ones when its assignment is live (the two
    /// exclusion constraints), by start time. Answers which clash a refused move met.
    public func clashes(slot: ID<Slot>, start: Date, end: Date, on tx: Connection) async throws -> [Clash] {
        try await tx.query(
            """
            SELECT DISTINCT b.volunteer_id, v.name, b.slot_id, lower(b.during) AS starts_at, upper(b.during) AS ends_at
            FROM assignments a
            JOIN assignments b ON b.volunteer_id = a.volunteer_id AND b.slot_id <> a.slot_id
                AND (b.roster_id = a.roster_id OR (a.is_live AND b.is_live))
                AND b.during && tstzrange(\(start), \(end))
            JOIN volunteers v ON v.id = b.volunteer_id
            WHERE a.slot_id = \(slot)
            ORDER BY starts_at, v.name
            """
        ).rows.map { row in
            Clash(
                volunteerID: try row.decode("volunteer_id"), volunteerName: try row.decode("name"),
                slotID: try row.decode("slot_id"), start: try row.decode("starts_at"), end: try row.decode("ends_at"))
        }
    }

    /// Which slots `carryOver` copies.
    public enum SlotSelection: Sendable {
        case only([ID<Slot>])
        case allExcept([ID<Slot>])
    }

    /// Copies `source`'s assignments on the selected open slots into the draft `draft` (not
    /// live; pins and reasons kept), first freeing each volunteer from the draft's unpinned
    /// assignments that overlap. For a draft made without those slots — a desk visit confirmed
    /// into the published roster after the draft was made, or while its solve ran — so that
    /// publishing the draft does not take back a visit a resident was promised. An assignment
    /// that still clashes (with a pinned one of the draft) is left out. Returns how many were copied.
    @discardableResult
    public func carryOver(
        _ selection: SlotSelection, from source: ID<Roster>, into draft: ID<Roster>, createdBy: ID<User>? = nil,
        on tx: Connection
    ) async throws -> Int {
        let (slots, excluding): ([ID<Slot>], Bool) =
            switch selection {
            case .only(let slots): (slots, false)
            case .allExcept(let slots): (slots, true)
            }
        if slots.isEmpty && !excluding { return 0 }
        try await tx.execute(
            """
            DELETE FROM assignments d USING assignments a, rosters r
            WHERE a.roster_id = \(source) AND (a.slot_id = ANY(\(slots))) <> \(excluding)
              AND r.id = \(draft) AND r.state = 'draft' AND d.roster_id = r.id
              AND d.volunteer_id = a.volunteer_id AND d.slot_id <> a.slot_id AND d.during && a.during AND NOT d.is_pinned
            """)
        return try await tx.execute(
            """
            INSERT INTO assignments (roster_id, community_id, slot_id, volunteer_id, during, is_live, is_pinned, reason,
                                     created_by)
            SELECT r.id, a.community_id, a.slot_id, a.volunteer_id, a.during, false, a.is_pinned, a.reason, \(createdBy)
            FROM assignments a
            JOIN slots s ON s.id = a.slot_id AND s.status = 'open'
            JOIN rosters r ON r.id = \(draft) AND r.state = 'draft'
            WHERE a.roster_id = \(source) AND (a.slot_id = ANY(\(slots))) <> \(excluding)
            ON CONFLICT DO NOTHING
            """)
    }

    /// How many people `slot` has in `roster` (the trigger-kept `roster_slot_fill`).
    public func fill(roster: ID<Roster>, slot: ID<Slot>, on tx: Connection) async throws -> Int {
        try await tx.query(
            "SELECT assigned FROM roster_slot_fill WHERE roster_id = \(roster) AND slot_id = \(slot)"
        ).rows.first.map { try $0.decode("assigned") } ?? 0
    }

    static let columns: SQLQuery = "id, roster_id, slot_id, volunteer_id, is_pinned, is_live, reason"

    static func assignment(_ row: Row) throws -> Assignment {
        Assignment(
            id: try row.decode("id"), rosterID: try row.decode("roster_id"), slotID: try row.decode("slot_id"),
            volunteerID: try row.decode("volunteer_id"), isPinned: try row.decode("is_pinned"),
            isLive: try row.decode("is_live"), reason: try row.decode("reason"))
    }
}
