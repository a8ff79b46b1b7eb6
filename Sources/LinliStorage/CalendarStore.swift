import Foundation
import LinliDatabase
import LinliDomain

/// The holiday calendar: 法定节假日 and 调休 working days, national (community nil, changed
/// only under `DataScope.administrator`) or a community's own. All SQL for `calendar_days` is here.
public struct CalendarStore: Sendable {
    public init() {}

    /// Adds an entry; a second entry for the same day and community is `.duplicate`, a national
    /// entry outside an administrator scope is `.forbidden`.
    public func create(_ day: CalendarDay, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO calendar_days (id, community_id, day, kind, name, works_as_weekday)
            VALUES (\(day.id), \(day.communityID), \(day.day), \(day.kind), \(day.name), \(day.worksAsWeekday))
            """)
    }

    public func entry(_ id: ID<CalendarDay>, on tx: Connection) async throws -> CalendarDay {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM calendar_days WHERE id = \(id)").rows.first else {
            throw StorageError.notFound("calendar entry \(id)")
        }
        return try Self.entry(row)
    }

    /// Removes an entry; a national one only under an administrator scope (`.forbidden` otherwise:
    /// the row-level policy lets every community see national rows, and so delete them).
    public func delete(_ id: ID<CalendarDay>, on tx: Connection) async throws {
        let rows = try await tx.query(
            """
            DELETE FROM calendar_days WHERE id = \(id) AND (community_id IS NOT NULL OR linli_sees_all())
            RETURNING id
            """
        ).rows
        guard rows.isEmpty else { return }
        if try await tx.query("SELECT 1 AS national FROM calendar_days WHERE id = \(id)").rows.isEmpty {
            throw StorageError.notFound("calendar entry \(id)")
        }
        throw StorageError(code: .forbidden, message: "only an administrator changes the national calendar")
    }

    /// Every entry this scope can see between `from` and `through` (inclusive), national and
    /// communities' alike, by day (national first).
    public func entries(from: LocalDate, through: LocalDate, on tx: Connection) async throws -> [CalendarDay] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM calendar_days
            WHERE day BETWEEN \(from) AND \(through)
            ORDER BY day, community_id NULLS FIRST
            """
        ).rows.map(Self.entry)
    }

    /// The calendar as `community` lives it: one entry per day, its own entry winning over the
    /// national one for the same day.
    public func effectiveDays(
        community: ID<Community>, from: LocalDate, through: LocalDate, on tx: Connection
    ) async throws -> [CalendarDay] {
        try await tx.query(
            """
            SELECT DISTINCT ON (day) \(Self.columns) FROM calendar_days
            WHERE day BETWEEN \(from) AND \(through) AND (community_id = \(community) OR community_id IS NULL)
            ORDER BY day, community_id NULLS LAST
            """
        ).rows.map(Self.entry)
    }

    static let columns: SQLQuery = "id, community_id, day, kind, name, works_as_weekday"

    static func entry(_ row: Row) throws -> CalendarDay {
        CalendarDay(
            id: try row.decode("id"), communityID: try row.decode("community_id"), day: try row.decode("day"),
            kind: try row.decode("kind"), name: try row.decode("name"),
            worksAsWeekday: try row.decode("works_as_weekday"))
    }
}
