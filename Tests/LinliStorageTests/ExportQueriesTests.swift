import Foundation
import LinliDatabase
import LinliDomain
import LinliExport
import LinliStorage
import LinliTestSupport
import Testing

/// The demo community in a fresh database, read through `linli_app` sessions (row-level security on).
func withDemo<T>(_ body: (ConnectionPool, Store, Community) async throws -> T) async throws -> T {
    try await TestDatabase.withDatabase { admin, configuration in
        try await DemoData.load(pool: admin, migrationsDirectory: TestDatabase.migrationsDirectory)
        let app = ConnectionPool(
            configuration: ConnectionConfiguration(connectionString: configuration.connectionString, sessionRole: "linli_app"),
            options: .init(maximumConnections: 2), logger: TestDatabase.logger)
        do {
            let store = Store(pool: app)
            let community = try #require(
                try await store.transaction(.administrator()) { tx in
                    try await OrganisationStore().community(code: "demo", on: tx)
                })
            let value = try await body(admin, store, community)
            await app.shutdown()
            return value
        } catch {
            await app.shutdown()
            throw error
        }
    }
}

@Suite("Export queries")
struct ExportQueriesTests {
    @Test("a week's roster streams in batches: every slot, its people, unfilled slots without one")
    func roster() async throws {
        try await withDemo { admin, store, community in
            let week = LocalDate(Date(), in: .shanghai).weekStart
            // A slot no version fills, beside the demo week's filled ones.
            try await admin.execute(
                """
                INSERT INTO slots (community_id, service_type_id, starts_at, ends_at, headcount_min, headcount_max)
                SELECT community_id, service_type_id, starts_at + interval '1 hour', ends_at + interval '1 hour', 1, 1
                FROM slots WHERE community_id = \(community.id)
                  AND starts_at >= \(week)::date::timestamp AT TIME ZONE 'Asia/Shanghai'
                ORDER BY starts_at LIMIT 1
                """)
            try await store.transaction(.community(community.id)) { tx in
                let queries = ExportQueries(batchSize: 7)
                let roster = try await queries.roster(community: community.id, week: week, on: tx)
                #expect(roster.state == .published)
                var batches: [Int] = []
                var lines: [RosterLine] = []
                let count = try await queries.rosterLines(roster, on: tx) { batch in
                    batches.append(batch.count)
                    lines += batch
                }
                #expect(count == lines.count && count > 7)
                #expect(batches.dropLast().allSatisfy { $0 == 7 }, "FETCH 7 at a time: \(batches)")
                #expect(lines.map(\.start) == lines.map(\.start).sorted())
                let expected: Int = try await admin.query(
                    """
                    SELECT count(*) AS n FROM slots s LEFT JOIN assignments a ON a.slot_id = s.id AND a.roster_id = \(roster.id)
                    WHERE s.community_id = \(community.id)
                      AND s.starts_at >= \(week)::date::timestamp AT TIME ZONE 'Asia/Shanghai'
                      AND s.starts_at < (\(week)::date + 7)::timestamp AT TIME ZONE 'Asia/Shanghai'
                    """
                ).rows[0].decode("n")
                #expect(count == expected)
                let assigned: Int = try await admin.query(
                    "SELECT count(*) AS n FROM assignments WHERE roster_id = \(roster.id)"
                ).rows[0].decode("n")
                #expect(lines.filter { $0.volunteer != nil }.count == assigned)
                #expect(
                    lines.contains { $0.volunteer == nil && $0.filled == 0 }, "the unfilled slot is a line without a volunteer")
                for line in lines where line.volunteer != nil {
                    #expect(line.filled >= 1 && line.rosterVersion == roster.version)
                }
                // One volunteer's shifts only.
                let someone = try #require(lines.first { $0.volunteer != nil }?.volunteer?.id)
                var mine: [RosterLine] = []
                try await queries.rosterLines(roster, volunteer: someone, on: tx) { mine += $0 }
                #expect(!mine.isEmpty && mine.allSatisfy { $0.volunteer?.id == someone })
                // The headcount counts everyone on the slot, not only the chosen volunteer.
                for line in mine {
                    let all = lines.filter { $0.slotID == line.slotID && $0.volunteer != nil }.count
                    #expect(line.filled == all)
                }
            }
        }
    }

    @Test("a week without the asked version says which versions there are")
    func missingVersion() async throws {
        try await withDemo { _, store, community in
            let week = LocalDate(Date(), in: .shanghai).weekStart
            await #expect {
                try await store.transaction(.community(community.id)) { tx in
                    try await ExportQueries().roster(community: community.id, week: week, version: 99, on: tx)
                }
            } throws: { error in
                guard let error = error as? StorageError else { return false }
                return error.code == .notFound && error.message.contains("versions: 1 (published)")
            }
            await #expect {
                try await store.transaction(.community(community.id)) { tx in
                    try await ExportQueries().roster(community: community.id, week: week.adding(days: 70), on: tx)
                }
            } throws: { ($0 as? StorageError)?.message.contains("no roster yet") == true }
        }
    }

    @Test("the volunteer list and the hours totals match the tables they come from")
    func volunteersAndHours() async throws {
        try await withDemo { admin, store, community in
            try await store.transaction(.community(community.id)) { tx in
                var volunteers: [VolunteerLine] = []
                let count = try await ExportQueries(batchSize: 10).volunteers(community: community.id, on: tx) {
                    volunteers += $0
                }
                #expect(count == 48 && volunteers.count == 48)
                #expect(volunteers.contains { !$0.skills.isEmpty } && volunteers.contains { !$0.certificates.isEmpty })
                #expect(volunteers.contains { !$0.teams.isEmpty })
                let from = LocalDate(iso: "2000-01-01")!
                let through = LocalDate(iso: "2100-12-31")!
                let total: Int = try await admin.query("SELECT coalesce(sum(minutes), 0)::bigint AS m FROM service_hours")
                    .rows[0].decode("m")
                #expect(total > 0)
                for grouping in [HoursGrouping.volunteer, .grid] {
                    var lines: [HoursLine] = []
                    try await HoursReport().lines(by: grouping, from: from, through: through, batchSize: 3, on: tx) {
                        lines += $0
                    }
                    #expect(lines.reduce(0) { $0 + $1.minutes } == total, "\(grouping)")
                    #expect(lines.map(\.minutes) == lines.map(\.minutes).sorted(by: >))
                }
                var teams: [HoursLine] = []
                try await HoursReport().lines(by: .team, from: from, through: through, on: tx) { teams += $0 }
                #expect(!teams.isEmpty && teams.allSatisfy { $0.count >= 1 })
            }
        }
    }

    @Test("a cursor outside a transaction is refused")
    func cursorNeedsTransaction() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            await #expect(throws: DatabaseError.self) {
                try await pool.withConnection { connection in
                    try await connection.forEachBatch(of: "SELECT 1") { _ in }
                }
            }
            let rows = try await pool.transaction { tx in
                var seen: [Int] = []
                try await tx.forEachBatch(of: "SELECT n FROM generate_series(1, \(25)) AS n", batchSize: 10) { batch in
                    seen += try batch.map { try $0.decode("n", as: Int.self) }
                }
                return seen
            }
            #expect(rows == Array(1...25))
        }
    }
}
