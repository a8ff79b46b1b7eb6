import Foundation
import LinliDatabase
import LinliDomain
import LinliJobs
import LinliReminders
import LinliRostering
import LinliSettings
import LinliStorage
import LinliTestSupport
import LinliWorker
import ServiceLifecycle
import Testing

@Suite("The worker's database role")
struct WorkerRoleTests {
    /// A pool whose sessions run as `role`, as the worker's do.
    static func pool(_ configuration: ConnectionConfiguration, role: String) -> ConnectionPool {
        ConnectionPool(
            configuration: ConnectionConfiguration(connectionString: configuration.connectionString, sessionRole: role),
            options: .init(maximumConnections: 2, acquireTimeout: .seconds(30)), logger: TestDatabase.logger)
    }

    @Test("linli_worker cannot select residents' care notes, but reads the rest of a resident")
    func careNotesHidden() async throws {
        try await TestDatabase.withDatabase { admin, configuration in
            try await DemoData.load(
                pool: admin, migrationsDirectory: TestDatabase.migrationsDirectory, careNotes: TestDatabase.careNotes)
            #expect(LinliSettings().workerDatabaseRole == "linli_worker")
            let worker = Self.pool(configuration, role: "linli_worker")
            let app = Self.pool(configuration, role: "linli_app")
            for sql: SQLQuery in [
                "SELECT care_notes FROM residents", "SELECT * FROM residents",
                "SELECT count(*) FROM residents WHERE care_notes IS NOT NULL",
                "SELECT care_notes_sealed FROM residents", "SELECT care_notes_key_id FROM residents",
                "UPDATE residents SET care_notes = 'x' WHERE false",
            ] {
                // Straight on a connection: the privilege check comes before row-level security.
                await #expect {
                    try await worker.query(sql)
                } throws: { error in
                    (error as? DatabaseError)?.sqlState == SQLState.insufficientPrivilege
                }
            }
            let names = try await Store(pool: worker).transaction(.administrator()) { tx in
                try await tx.query("SELECT name, phone, address, family_contact_phone, needs_call FROM residents").rows.count
            }
            #expect(names == 30)
            // The application role (the service) still reads them.
            let notes = try await Store(pool: app).transaction(.administrator()) { tx in
                try await tx.query("SELECT count(care_notes_sealed) AS n FROM residents").rows[0].decode("n", as: Int.self)
            }
            #expect(notes > 0)
            await worker.shutdown()
            await app.shutdown()
        }
    }

    @Test("linli_worker has every privilege of linli_app on every other table and sequence")
    func sameGrantsOtherwise() async throws {
        try await TestDatabase.withDatabase { admin, _ in
            let differences = try await admin.query(
                """
                SELECT c.relname || ' ' || p.privilege AS difference
                FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'USAGE']) AS p (privilege)
                WHERE n.nspname = 'public' AND c.relname <> 'residents'
                  AND ((c.relkind IN ('r', 'p', 'v', 'm') AND p.privilege <> 'USAGE'
                        AND has_table_privilege('linli_app', c.oid, p.privilege)
                            <> has_table_privilege('linli_worker', c.oid, p.privilege))
                    OR (c.relkind = 'S' AND p.privilege IN ('SELECT', 'USAGE', 'UPDATE')
                        AND has_sequence_privilege('linli_app', c.oid, p.privilege)
                            <> has_sequence_privilege('linli_worker', c.oid, p.privilege)))
                ORDER BY 1
                """
            ).rows.map { try $0.decode("difference", as: String.self) }
            #expect(differences == [], "a migration added a table without SELECT linli_grant_worker();")
            let columns = try await admin.query(
                """
                SELECT attname AS name, has_column_privilege('linli_worker', 'residents'::regclass, attnum, 'SELECT') AS readable
                FROM pg_attribute WHERE attrelid = 'residents'::regclass AND attnum > 0 AND NOT attisdropped
                """
            ).rows.map { (try $0.decode("name", as: String.self), try $0.decode("readable", as: Bool.self)) }
            #expect(columns.count > 10)
            for (name, readable) in columns {
                #expect(readable == !name.hasPrefix("care_notes"), "residents.\(name)")
            }
        }
    }

    @Test("the worker, running as linli_worker, still sends reminders (home visits too) and solves a roster")
    func jobsStillWork() async throws {
        try await TestDatabase.withDatabase { admin, configuration in
            try await DemoData.load(pool: admin, migrationsDirectory: TestDatabase.migrationsDirectory)
            let community: ID<Community> = try await admin.query("SELECT id FROM communities WHERE code = 'demo'")
                .rows[0].decode("id")
            // Plan the published demo rosters' reminders as `linli demo load` does, and publish next week's draft
            // (this week may have no shift left, on a Sunday evening), then make every reminder due now, outside
            // quiet hours whatever the time of day.
            let nextWeek = LocalDate(Date(), in: .shanghai).weekStart.adding(days: 7)
            try await Store(pool: admin).transaction(.administrator()) { tx in
                for roster in try await RosterStore().publishedRosters(communityCode: "demo", on: tx) {
                    try await ReminderPlanner().planRoster(roster, on: tx)
                }
                let draft = try #require(
                    try await RosterStore().versions(community: community, week: nextWeek, on: tx).first { $0.state == .draft })
                try await ReminderPlanner().publish(draft.id, on: tx)
            }
            try await admin.execute(
                """
                UPDATE communities SET quiet_hours_start = (now() AT TIME ZONE 'Asia/Shanghai')::time + interval '2 hours',
                                       quiet_hours_end = (now() AT TIME ZONE 'Asia/Shanghai')::time + interval '3 hours'
                """)
            let reminders = try await admin.execute(
                "UPDATE jobs SET run_at = now() WHERE kind = \(ReminderPlanner.jobKind) AND state = 'pending'")
            #expect(reminders > 0)
            let homeVisit = try await admin.query(
                """
                SELECT count(*) AS n FROM jobs j JOIN bookings b ON b.slot_id = (j.payload->>'slot')::uuid
                WHERE j.kind = \(ReminderPlanner.jobKind)
                """
            ).rows[0].decode("n", as: Int.self)
            #expect(homeVisit > 0, "the demo's reminders include a home visit, whose resident the worker reads")
            let app = Self.pool(configuration, role: "linli_app")
            let week = nextWeek
            let run = try await Store(pool: app).transaction(.community(community)) { tx in
                try await RosterSolving.enqueueSolve(community: community, week: week, seconds: 1, on: tx)
            }

            let settings = LinliSettings(
                databaseURL: configuration.connectionString, workerHeartbeatSeconds: 0.5, instanceName: "role-worker")
            let group = try buildWorker(settings: settings, logger: TestDatabase.logger)
            let running = Task { try await group.run() }
            var left = -1
            for _ in 0..<300 where left != 0 {
                try await Task.sleep(for: .milliseconds(100))
                left = try await admin.query(
                    """
                    SELECT count(*) AS n FROM jobs
                    WHERE state IN ('pending', 'running') AND run_at <= now() AND kind IN ('reminder.send', 'roster.solve')
                    """
                ).rows[0].decode("n", as: Int.self)
            }
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(left == 0)
            let failures = try await admin.query(
                "SELECT kind || ': ' || coalesce(last_error, state::text) AS failure FROM jobs WHERE last_error IS NOT NULL OR state = 'dead'"
            ).rows.map { try $0.decode("failure", as: String.self) }
            #expect(failures == [])
            let sent = try await admin.query(
                "SELECT count(*) AS n FROM jobs WHERE kind = \(ReminderPlanner.jobKind) AND state = 'succeeded'"
            ).rows[0].decode("n", as: Int.self)
            #expect(sent == reminders)
            let solved = try await Store(pool: app).transaction(.community(community)) { tx in
                try await RosterSolving.progress(run: run.id, on: tx)
            }
            #expect(solved.state == .succeeded)
            await app.shutdown()
        }
    }
}
