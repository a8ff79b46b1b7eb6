import Foundation
import LinliDatabase
import LinliDomain

/// Recurring slots ("every Tuesday and Friday 19:00–21:00, route 3, 3 people"). All SQL for
/// `slot_templates` is here; `SlotGenerator` turns them into slots.
public struct SlotTemplateStore: Sendable {
    public init() {}

    public func create(_ template: SlotTemplate, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO slot_templates (id, community_id, service_type_id, place_id, team_id, weekdays, start_minute,
                                        minutes, headcount_min, headcount_max, valid_from, valid_until,
                                        skip_holidays, is_active)
            VALUES (\(template.id), \(template.communityID), \(template.serviceTypeID), \(template.placeID),
                    \(template.teamID), \(template.weekdays), \(template.startMinute), \(template.minutes),
                    \(template.headcountMin), \(template.headcountMax), \(template.validFrom), \(template.validUntil),
                    \(template.skipHolidays), \(template.isActive))
            """)
    }

    public func template(_ id: ID<SlotTemplate>, on tx: Connection) async throws -> SlotTemplate {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM slot_templates WHERE id = \(id)").rows.first
        else { throw StorageError.notFound("slot template \(id)") }
        return try Self.template(row)
    }

    /// The templates this scope can see, by start time.
    public func templates(includeInactive: Bool = false, on tx: Connection) async throws -> [SlotTemplate] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM slot_templates
            WHERE \(includeInactive) OR is_active
            ORDER BY start_minute, weekdays, id
            """
        ).rows.map(Self.template)
    }

    /// Stops the template generating slots; slots made from it stay.
    public func deactivate(_ id: ID<SlotTemplate>, on tx: Connection) async throws {
        if try await tx.execute("UPDATE slot_templates SET is_active = false WHERE id = \(id)") == 0 {
            throw StorageError.notFound("slot template \(id)")
        }
    }

    static let columns: SQLQuery = """
        id, community_id, service_type_id, place_id, team_id, weekdays, start_minute, minutes, headcount_min,
        headcount_max, valid_from, valid_until, skip_holidays, is_active
        """

    static func template(_ row: Row) throws -> SlotTemplate {
        SlotTemplate(
            id: try row.decode("id"), communityID: try row.decode("community_id"),
            serviceTypeID: try row.decode("service_type_id"), placeID: try row.decode("place_id"),
            teamID: try row.decode("team_id"), weekdays: try row.decode("weekdays"),
            startMinute: try row.decode("start_minute"), minutes: try row.decode("minutes"),
            headcountMin: try row.decode("headcount_min"), headcountMax: try row.decode("headcount_max"),
            validFrom: try row.decode("valid_from"), validUntil: try row.decode("valid_until"),
            skipHolidays: try row.decode("skip_holidays"), isActive: try row.decode("is_active"))
    }
}
