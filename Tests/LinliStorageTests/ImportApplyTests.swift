import Foundation
import LinliDatabase
import LinliDomain
import LinliImport
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Importing volunteers and residents")
struct ImportApplyTests {
    static let fixtures = TestDatabase.repositoryRoot.appendingPathComponent("Tests/LinliImportTests/Fixtures")

    static func parseVolunteers(_ name: String) throws -> ImportResult<VolunteerImportRow> {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(name))
        return VolunteerImport.parse(try TabularFile.read(data, fileName: name), currentYear: 2026)
    }

    /// Community A with the grids and skills the fixture files name.
    static func prepare(_ world: TwoCommunities) async throws {
        try await world.store.transaction(.community(world.a.id)) { tx async throws in
            try await OrganisationStore().createGrid(Grid(communityID: world.a.id, code: "G1", name: "幸福里一网格"), on: tx)
            try await OrganisationStore().createGrid(Grid(communityID: world.a.id, code: "G2", name: "幸福里二网格"), on: tx)
            try await OrganisationStore().createGrid(Grid(communityID: world.a.id, code: "G3", name: "幸福里1号楼"), on: tx)
            for (code, zh, certificate) in [
                ("meal", "助餐", false), ("chat", "陪聊", false), ("first_aid", "急救", false), ("care", "护理", false),
                ("it_repair", "电脑维修", false),
                ("care_cert", "护理员证", true), ("first_aid_cert", "急救员证", true),
            ] {
                try await tx.execute(
                    """
                    INSERT INTO skills (community_id, code, name_zh, name_en, is_certificate)
                    VALUES (\(world.a.id), \(code), \(zh), \(code), \(certificate))
                    """)
            }
        }
    }

    @Test("UTF-8 and GB18030 sheets import the same people; a re-import changes nothing")
    func goodFilesAreIdempotent() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            try await Self.prepare(world)
            let importer = PeopleImporter(store: world.store)
            let utf8 = try Self.parseVolunteers("volunteers_utf8.csv")
            #expect(utf8.report.canApply, "\(utf8.report.issues)")
            let dry = try await importer.applyVolunteers(utf8.rows, scope: .community(world.a.id), dryRun: true)
            #expect(dry.dryRun && dry.issues.isEmpty && dry.inserted == utf8.rows.count, "\(dry.issues.map(\.en))")
            let nothingYet = try await world.store.transaction(.community(world.a.id)) { tx async throws in
                try await VolunteerStore().volunteers(on: tx)
            }
            #expect(nothingYet.isEmpty, "a dry run writes nothing")

            let first = try await importer.applyVolunteers(utf8.rows, scope: .community(world.a.id), dryRun: false)
            #expect(first.applied && first.inserted == utf8.rows.count && first.updated == 0)
            let gb = try Self.parseVolunteers("volunteers_gb18030.csv")
            #expect(gb.report.encoding == "GB18030")
            #expect(gb.rows.map(\.value) == utf8.rows.map(\.value))
            let again = try await importer.applyVolunteers(gb.rows, scope: .community(world.a.id), dryRun: false)
            #expect(again.inserted == 0 && again.updated == 0, "re-importing the same people changes nothing")

            try await world.store.transaction(.community(world.a.id)) { tx async throws in
                let people = try await VolunteerStore().volunteers(on: tx)
                #expect(people.count == utf8.rows.count)
                let wang = try #require(people.first { $0.name == "王芳" })
                #expect(wang.phone == "13812345678" && wang.sex == .female && wang.groups.contains(.partyMember))
                let skills = try await VolunteerStore().skills(of: wang.id, on: tx)
                #expect(skills.count == 3)
                #expect(skills.contains { $0.expiresOn == LocalDate(year: 2026, month: 6, day: 30) })
            }
            await world.close()
        }
    }

    @Test("a row's change is applied to the person matched by external ID")
    func reimportUpdates() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            try await Self.prepare(world)
            let importer = PeopleImporter(store: world.store)
            let utf8 = try Self.parseVolunteers("volunteers_utf8.csv")
            try await importer.applyVolunteers(utf8.rows, scope: .community(world.a.id), dryRun: false)
            var changed = utf8.rows
            changed[0] = ImportedRow(
                line: changed[0].line,
                value: {
                    var v = changed[0].value
                    v.phone = "13712345678"
                    return v
                }())
            let outcome = try await importer.applyVolunteers(changed, scope: .community(world.a.id), dryRun: false)
            #expect(outcome.updated == 1 && outcome.inserted == 0)
            let phones = try await world.store.transaction(.community(world.a.id)) { tx async throws in
                try await VolunteerStore().volunteers(on: tx).compactMap(\.phone)
            }
            #expect(phones.contains("13712345678") && !phones.contains("13812345678"))
            await world.close()
        }
    }

    @Test("a bad sheet is reported row by row and nothing is written")
    func badFileReportsRows() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            try await Self.prepare(world)
            let bad = try Self.parseVolunteers("volunteers_bad.csv")
            #expect(!bad.report.canApply)
            #expect(bad.report.issues.contains { $0.zh.contains("第3行") && $0.zh.contains("1381234") })
            // Rows that passed validation still meet the database's checks: an unknown grid is named.
            var rows = try Self.parseVolunteers("volunteers_utf8.csv").rows
            rows[0] = ImportedRow(
                line: rows[0].line,
                value: {
                    var v = rows[0].value
                    v.grid = "月亮网格"
                    return v
                }())
            let outcome = try await PeopleImporter(store: world.store).applyVolunteers(
                rows, scope: .community(world.a.id), dryRun: false)
            #expect(!outcome.applied)
            #expect(outcome.issues.map(\.code) == [.unknownGrid])
            #expect(outcome.issues.first?.zh == "第\(rows[0].line)行：本社区没有网格「月亮网格」（或有多个网格与它相符）")
            let written = try await world.store.transaction(.community(world.a.id)) { tx async throws in
                try await VolunteerStore().volunteers(on: tx)
            }
            #expect(written.isEmpty, "all or nothing")
            await world.close()
        }
    }

    @Test("residents import from XLSX with their care notes sealed, and community B never sees them")
    func residentsFromXLSX() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let world = try await TwoCommunities.make(configuration)
            try await Self.prepare(world)
            let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("residents.xlsx"))
            let parsed = ResidentImport.parse(try TabularFile.read(data, fileName: "residents.xlsx"), currentYear: 2026)
            #expect(parsed.report.canApply, "\(parsed.report.issues)")
            let notes = parsed.rows.compactMap(\.value.careNotes)
            #expect(!notes.isEmpty, "the fixture has care notes")
            // Without a key a sheet with care notes is refused, and nothing is written.
            let keyless = await #expect(throws: StorageError.self) {
                try await PeopleImporter(store: world.store).applyResidents(
                    parsed.rows, scope: .community(world.a.id), dryRun: false)
            }
            #expect(keyless?.code == .careNotesKeyMissing)
            let importer = PeopleImporter(store: world.store, careNotes: TestDatabase.careNotes)
            let outcome = try await importer.applyResidents(parsed.rows, scope: .community(world.a.id), dryRun: false)
            #expect(outcome.applied && outcome.inserted == parsed.rows.count, "\(outcome.issues.map(\.en)) \(outcome)")
            let stored = try await pool.query(
                """
                SELECT count(*) FILTER (WHERE care_notes IS NOT NULL)::int AS plain,
                       count(*) FILTER (WHERE care_notes_sealed IS NOT NULL)::int AS sealed FROM residents
                """
            ).rows[0]
            #expect(try stored.decode("plain", as: Int.self) == 0)
            #expect(try stored.decode("sealed", as: Int.self) == notes.count)
            let opened = try await world.store.transaction(.community(world.a.id)) { tx in
                try await ResidentStore(careNotes: TestDatabase.careNotes).residents(on: tx).compactMap(\.careNotes)
            }
            #expect(Set(opened) == Set(notes))
            let again = try await importer.applyResidents(parsed.rows, scope: .community(world.a.id), dryRun: false)
            #expect(again.inserted == 0 && again.updated == 0)
            let inB = try await world.store.transaction(.community(world.b.id)) { tx async throws in
                try await ResidentStore().residents(on: tx)
            }
            #expect(inB.isEmpty)
            await world.close()
        }
    }
}
