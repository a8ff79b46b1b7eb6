import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Row-level security between communities")
struct IsolationTests {
    /// Every table with a community_id column, with RLS enabled and forced.
    static let isolatedTables = [
        "assignments", "attendance", "booking_recurrences", "booking_windows", "bookings", "grid_travel_minutes", "grids",
        "patrol_team_members", "patrol_team_routes", "patrol_teams", "places", "resident_volunteer_preferences", "residents",
        "roster_slot_fill", "rosters", "service_hours", "service_type_skills", "service_types", "skills", "slot_templates",
        "slots", "volunteer_absences", "volunteer_availability", "volunteer_preferences", "volunteer_skills", "volunteers",
    ]

    @Test("every table holding a community's rows has row-level security enabled and forced")
    func everyCommunityTableIsProtected() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            let rows = try await pool.query(
                """
                SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r'
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'community_id' AND NOT a.attisdropped)
                ORDER BY c.relname
                """
            ).rows
            let unprotected = try rows.filter { try !($0.decode("enabled", as: Bool.self) && $0.decode("forced", as: Bool.self)) }
                .map { try $0.decode("name", as: String.self) }
            // The audit log, calendar and user_roles have community_id too and their own policies.
            #expect(unprotected.isEmpty, "tables without forced row-level security: \(unprotected)")
            let owner: String = try await pool.query(
                "SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'volunteers'"
            ).rows[0].decode("owner")
            #expect(owner != "linli_app", "the application role must not own the tables")
        }
    }

    @Test("a community's own scope may change its reminder rules but not its identity, nor another community's rules")
    func communitySettings() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            let organisation = OrganisationStore()
            let quieter = MessagingRules(quietStartMinute: 20 * 60, quietEndMinute: 8 * 60, dailyMessageCap: 2)
            try await world.store.transaction(.community(world.a.id)) { tx async throws in
                try await organisation.setMessagingRules(quieter, community: world.a.id, on: tx)
            }
            let stored = try await world.store.transaction(.administrator()) { tx in
                (
                    try await organisation.messagingRules(world.a.id, on: tx),
                    try await organisation.messagingRules(world.b.id, on: tx)
                )
            }
            #expect(stored.0 == quieter)
            #expect(stored.1.dailyMessageCap == 6)
            let rename = await #expect(throws: StorageError.self) {
                try await world.store.transaction(.community(world.a.id)) { tx async throws in
                    try await tx.execute("UPDATE communities SET name = '改名社区' WHERE id = \(world.a.id)")
                }
            }
            #expect(rename?.code == .forbidden)
            let other = await #expect(throws: StorageError.self) {
                try await world.store.transaction(.community(world.a.id)) { tx async throws in
                    try await organisation.setMessagingRules(quieter, community: world.b.id, on: tx)
                }
            }
            #expect(other?.code == .notFound)
            try await world.store.transaction(.administrator()) { tx async throws in
                try await tx.execute("UPDATE communities SET name = '安和新社区' WHERE id = \(world.a.id)")
            }
            await world.close()
        }
    }

    /// Loads the demo community (A) and a second community (B), then checks, table by table,
    /// that B's scope can neither read, change nor delete A's rows, even when a query asks for
    /// them by community_id, and that A's scope still sees them.
    @Test("community B can neither read, change nor delete community A's rows in any table")
    func isolationMatrix() async throws {
        try await TestDatabase.withDatabase(poolSize: 2) { pool, configuration in
            #expect(try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory))
            let world = try await TwoCommunities.make(configuration)
            let demo: ID<Community> = try await pool.query("SELECT id FROM communities WHERE code = 'demo'").rows[0].decode("id")
            for table in Self.isolatedTables {
                let seenByOwner: Int = try await world.store.transaction(.community(demo)) { tx async throws in
                    try await tx.query("SELECT count(*) AS n FROM \(identifier: table) WHERE community_id = \(demo)").rows[0]
                        .decode("n")
                }
                #expect(seenByOwner > 0, "the demo data should have rows in \(table)")
                let (seen, updated, deleted) = try await world.store.transaction(.community(world.b.id)) { tx async throws in
                    let seen: Int = try await tx.query(
                        "SELECT count(*) AS n FROM \(identifier: table) WHERE community_id = \(demo)"
                    ).rows[0].decode("n")
                    // The ledger refuses UPDATE and DELETE to everyone; the others must find nothing to change.
                    guard table != "service_hours" else { return (seen, 0, 0) }
                    let updated = try await tx.execute(
                        "UPDATE \(identifier: table) SET community_id = community_id WHERE community_id = \(demo)")
                    let deleted = try await tx.execute(
                        "DELETE FROM \(identifier: table) WHERE community_id = \(demo)")
                    return (seen, updated, deleted)
                }
                #expect(seen == 0, "community B read \(seen) rows of \(table)")
                #expect(updated == 0, "community B changed \(updated) rows of \(table)")
                #expect(deleted == 0)
            }
            try await world.store.transaction(.community(world.b.id)) { tx async throws in
                #expect(try await OrganisationStore().communities(on: tx).map(\.code) == ["bolin"])
                let audit: Int = try await tx.query("SELECT count(*) AS n FROM audit_log WHERE community_id = \(demo)").rows[0]
                    .decode("n")
                #expect(audit == 0)
                #expect(try await UserStore().users(on: tx).isEmpty)
            }
            // Writing a row into another community is refused.
            let insert = await #expect(throws: StorageError.self) {
                try await world.store.transaction(.community(world.b.id)) { tx async throws in
                    try await VolunteerStore().create(Volunteer(communityID: demo, name: "越权", sex: .male), on: tx)
                }
            }
            #expect(insert?.code == .forbidden)
            let move = await #expect(throws: StorageError.self) {
                try await world.store.transaction(.community(world.b.id)) { tx async throws in
                    try await tx.execute("UPDATE volunteers SET community_id = \(demo) WHERE community_id = \(world.b.id)")
                    try await VolunteerStore().create(Volunteer(communityID: world.b.id, name: "本社区", sex: .male), on: tx)
                    try await tx.execute("UPDATE volunteers SET community_id = \(demo)")
                }
            }
            #expect(move?.code == .forbidden || move?.code == .invalidReference)
            // The national calendar is read by every community and changed by none of them.
            try await world.store.transaction(.administrator()) { tx async throws in
                try await tx.execute(
                    """
                    INSERT INTO calendar_days (community_id, day, kind, name) VALUES (NULL, '2027-01-01', 'holiday', '元旦')
                    ON CONFLICT DO NOTHING
                    """)
            }
            let (nationalSeen, nationalDeleted) = try await world.store.transaction(.community(world.b.id)) { tx async throws in
                let seen: Int = try await tx.query("SELECT count(*) AS n FROM calendar_days WHERE community_id IS NULL")
                    .rows[0].decode("n")
                return (seen, try await tx.execute("DELETE FROM calendar_days WHERE community_id IS NULL"))
            }
            #expect(nationalSeen > 0 && nationalDeleted == 0)
            // Without any scope, nothing is visible at all.
            let unscoped: Int = try await world.store.pool.query("SELECT count(*) AS n FROM volunteers").rows[0].decode("n")
            #expect(unscoped == 0)
            await world.close()
        }
    }

    @Test("every change is in the audit log with the user who made it")
    func auditTrail() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            let staff = User(login: "audit.user", displayName: "审计")
            try await world.store.transaction(.administrator()) { tx async throws in try await UserStore().create(staff, on: tx) }
            let v = Volunteer(communityID: world.a.id, name: "周敏", phone: "13800000301", sex: .female)
            try await world.store.transaction(.community(world.a.id, user: staff.id)) { tx async throws in
                try await VolunteerStore().create(v, on: tx)
                var changed = v
                changed.name = "周敏敏"
                try await VolunteerStore().update(changed, on: tx)
            }
            let entries = try await world.store.transaction(.community(world.a.id)) { tx async throws in
                try await tx.query(
                    """
                    SELECT action, actor_user_id, before ->> 'name' AS old_name, after ->> 'name' AS new_name FROM audit_log
                    WHERE table_name = 'volunteers' AND row_id = \(v.id.description) ORDER BY id
                    """
                ).rows
            }
            #expect(try entries.map { try $0.decode("action", as: String.self) } == ["INSERT", "UPDATE"])
            #expect(try entries.allSatisfy { try $0.decode("actor_user_id", as: ID<User>?.self) == staff.id })
            #expect(try entries[1].decode("old_name", as: String?.self) == "周敏")
            #expect(try entries[1].decode("new_name", as: String?.self) == "周敏敏")
            let tamper = await #expect(throws: StorageError.self) {
                try await world.store.transaction(.community(world.a.id)) { tx async throws in
                    try await tx.execute("DELETE FROM audit_log")
                }
            }
            #expect(tamper?.code == .forbidden)
            await world.close()
        }
    }
}
