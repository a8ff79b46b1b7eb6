import Foundation
import LinliDatabase
import LinliDomain

/// A community's week as numbered roster versions: drafts, the published one, and the
/// superseded history, with what changed between two versions. All SQL for `rosters` is here.
public struct RosterStore: Sendable {
    public init() {}

    /// One assignment that differs between two roster versions.
    public struct Change: Hashable, Sendable, Codable {
        public var slotID: ID<Slot>
        public var volunteerID: ID<Volunteer>
        /// When the slot starts, for ordering and display.
        public var start: Date
        public init(slotID: ID<Slot>, volunteerID: ID<Volunteer>, start: Date) {
            self.slotID = slotID
            self.volunteerID = volunteerID
            self.start = start
        }
    }

    /// What changed from one roster version to another, by slot start time.
    public struct Diff: Hashable, Sendable, Codable {
        /// In the newer version only.
        public var added: [Change]
        /// In the older version only.
        public var removed: [Change]
        public var isEmpty: Bool { added.isEmpty && removed.isEmpty }
        public init(added: [Change], removed: [Change]) {
            self.added = added
            self.removed = removed
        }
    }

    /// Creates the next draft version (highest version + 1) of `community`'s week starting on
    /// `week` (a Monday). With `copyingPublished`, the published version's assignments on slots
    /// still open are copied into it (not live, pins and reasons kept) and it is based on it.
    @discardableResult
    public func createDraft(
        community: ID<Community>, week: LocalDate, copyingPublished: Bool = true, createdBy: ID<User>? = nil,
        on tx: Connection
    ) async throws -> Roster {
        guard week.isoWeekday == 1 else {
            throw StorageError(code: .invalidValue, message: "a roster's week starts on a Monday; \(week) is not one")
        }
        try await lockWeek(community: community, week: week, on: tx)
        let rows = try await tx.query(
            """
            INSERT INTO rosters (community_id, week_start, version, based_on_roster_id, created_by)
            SELECT \(community), \(week),
                   coalesce((SELECT max(version) FROM rosters WHERE community_id = \(community) AND week_start = \(week)), 0) + 1,
                   CASE WHEN \(copyingPublished) THEN
                       (SELECT id FROM rosters WHERE community_id = \(community) AND week_start = \(week) AND state = 'published')
                   END,
                   \(createdBy)
            RETURNING \(Self.columns)
            """
        ).rows
        guard let row = rows.first else { throw StorageError.notFound("community \(community)") }
        let roster = try Self.roster(row)
        if let source = roster.basedOn {
            try await tx.execute(
                """
                INSERT INTO assignments (roster_id, community_id, slot_id, volunteer_id, during, is_live, is_pinned, reason,
                                         created_by)
                SELECT \(roster.id), a.community_id, a.slot_id, a.volunteer_id, a.during, false, a.is_pinned, a.reason,
                       \(createdBy)
                FROM assignments a JOIN slots s ON s.id = a.slot_id
                WHERE a.roster_id = \(source) AND s.status = 'open'
                """)
        }
        return roster
    }

    public func roster(_ id: ID<Roster>, on tx: Connection) async throws -> Roster {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM rosters WHERE id = \(id)").rows.first else {
            throw StorageError.notFound("roster \(id)")
        }
        return try Self.roster(row)
    }

    /// Every version of a community's week, oldest first.
    public func versions(community: ID<Community>, week: LocalDate, on tx: Connection) async throws -> [Roster] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM rosters WHERE community_id = \(community) AND week_start = \(week)
            ORDER BY version
            """
        ).rows.map(Self.roster)
    }

    /// The version people have been told about, if any.
    public func published(community: ID<Community>, week: LocalDate, on tx: Connection) async throws -> Roster? {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM rosters
            WHERE community_id = \(community) AND week_start = \(week) AND state = 'published'
            """
        ).rows.first.map(Self.roster)
    }

    /// The published versions of every week of the community with `code`, by week.
    public func publishedRosters(communityCode code: String, on tx: Connection) async throws -> [ID<Roster>] {
        try await tx.query(
            """
            SELECT r.id FROM rosters r JOIN communities c ON c.id = r.community_id
            WHERE c.code = \(code) AND r.state = 'published' ORDER BY r.week_start
            """
        ).rows.map { try $0.decode("id") }
    }

    /// Publishes a draft: the version published before it becomes superseded and its assignments
    /// stop being live, then this one's assignments go live. A live assignment that overlaps
    /// another live one of the same volunteer is `.doubleBooking` and nothing changes. A draft
    /// older than the published version cannot be published (`.invalidValue`).
    @discardableResult
    public func publish(_ id: ID<Roster>, by user: ID<User>? = nil, on tx: Connection) async throws -> Roster {
        let draft = try await roster(id, on: tx)
        try await lockWeek(community: draft.communityID, week: draft.weekStart, on: tx)
        let state: RosterState =
            try await tx.query("SELECT state FROM rosters WHERE id = \(id) FOR UPDATE").rows
            .first.map { try $0.decode("state") } ?? draft.state
        guard state == .draft else {
            throw StorageError(
                code: .invalidValue, message: "roster version \(draft.version) is \(state.rawValue), not a draft")
        }
        if let previous = try await published(community: draft.communityID, week: draft.weekStart, on: tx) {
            guard previous.version < draft.version else {
                throw StorageError(
                    code: .invalidValue,
                    message: "version \(previous.version) of this week is already published; make a new draft from it")
            }
            // Old assignments off before new ones on: the live exclusion constraint sees both.
            try await tx.execute("UPDATE assignments SET is_live = false WHERE roster_id = \(previous.id) AND is_live")
            try await tx.execute("UPDATE rosters SET state = 'superseded' WHERE id = \(previous.id)")
        }
        try await tx.execute("UPDATE assignments SET is_live = true WHERE roster_id = \(id) AND NOT is_live")
        let rows = try await tx.query(
            """
            UPDATE rosters SET state = 'published', published_at = now(), published_by = \(user)
            WHERE id = \(id) RETURNING \(Self.columns)
            """
        ).rows
        guard let row = rows.first else { throw StorageError.notFound("roster \(id)") }
        return try Self.roster(row)
    }

    /// The assignments (by slot and volunteer) added and removed going from `old` to `new`.
    public func diff(from old: ID<Roster>, to new: ID<Roster>, on tx: Connection) async throws -> Diff {
        _ = try await roster(old, on: tx)
        _ = try await roster(new, on: tx)
        let rows = try await tx.query(
            """
            SELECT x.added, x.slot_id, x.volunteer_id, s.starts_at
            FROM (
                (SELECT true AS added, slot_id, volunteer_id FROM assignments WHERE roster_id = \(new)
                 EXCEPT SELECT true, slot_id, volunteer_id FROM assignments WHERE roster_id = \(old))
                UNION ALL
                (SELECT false, slot_id, volunteer_id FROM assignments WHERE roster_id = \(old)
                 EXCEPT SELECT false, slot_id, volunteer_id FROM assignments WHERE roster_id = \(new))
            ) AS x
            JOIN slots s ON s.id = x.slot_id
            ORDER BY s.starts_at, x.slot_id, x.volunteer_id
            """
        ).rows
        var diff = Diff(added: [], removed: [])
        for row in rows {
            let change = Change(
                slotID: try row.decode("slot_id"), volunteerID: try row.decode("volunteer_id"),
                start: try row.decode("starts_at"))
            if try row.decode("added", as: Bool.self) {
                diff.added.append(change)
            } else {
                diff.removed.append(change)
            }
        }
        return diff
    }

    /// Serialises version numbering and publishing of one community's week.
    private func lockWeek(community: ID<Community>, week: LocalDate, on tx: Connection) async throws {
        try await tx.query(
            "SELECT pg_advisory_xact_lock(hashtextextended('linli.roster ' || \(community)::text || ' ' || \(week)::text, 0))"
        )
    }

    static let columns: SQLQuery = "id, community_id, week_start, version, state, based_on_roster_id, published_at"

    static func roster(_ row: Row) throws -> Roster {
        Roster(
            id: try row.decode("id"), communityID: try row.decode("community_id"),
            weekStart: try row.decode("week_start"), version: try row.decode("version"), state: try row.decode("state"),
            basedOn: try row.decode("based_on_roster_id"), publishedAt: try row.decode("published_at"))
    }
}
