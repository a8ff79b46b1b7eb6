import Foundation
import LinliDatabase
import LinliDomain
import LinliSettings
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Residents' care notes, sealed at rest (migration 0019)")
struct CareNotesTests {
    static let note = "糖尿病，饭菜少盐少糖；右腿不便"

    static func resident(_ world: TwoCommunities, name: String = "陈桂兰", notes: String? = note) -> Resident {
        Resident(communityID: world.a.id, name: name, sex: .female, birthYear: 1938, careNotes: notes)
    }

    static func keyring(_ keys: (Int, UInt8)...) throws -> CareNotesKeyring {
        try CareNotesKeyring(keys: keys.map { CareNotesKey(id: $0.0, bytes: Array(repeating: $0.1, count: 32)) })
    }

    @Test("a note is sealed in the table: raw SQL and the audit log show no plain text; the store opens it")
    func sealedInTable() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let world = try await TwoCommunities.make(configuration)
            let residents = ResidentStore(careNotes: TestDatabase.careNotes)
            let r = Self.resident(world)
            try await world.store.transaction(.community(world.a.id)) { tx in try await residents.create(r, on: tx) }
            let row = try await pool.query(
                """
                SELECT care_notes, care_notes_key_id, care_notes_sealed,
                       position(convert_to(\(Self.note), 'UTF8') IN care_notes_sealed) AS found
                FROM residents WHERE id = \(r.id)
                """
            ).rows[0]
            #expect(try row.decode("care_notes", as: String?.self) == nil)
            #expect(try row.decode("care_notes_key_id", as: Int.self) == 1)
            #expect(try row.decode("found", as: Int.self) == 0)
            let sealed: Data = try row.decode("care_notes_sealed")
            #expect(sealed.count == 12 + Data(Self.note.utf8).count + 16)
            let logged: Int = try await pool.query(
                "SELECT count(*)::int AS n FROM audit_log WHERE before::text LIKE '%糖尿病%' OR after::text LIKE '%糖尿病%'"
            ).rows[0].decode("n")
            #expect(logged == 0)
            try await world.store.transaction(.community(world.a.id)) { tx async throws in
                #expect(try await residents.resident(r.id, on: tx).careNotes == Self.note)
                #expect(try await ResidentStore().resident(r.id, on: tx).careNotes == nil, "no keyring: no notes")
                #expect(try await residents.residents(matching: "糖尿病", on: tx).isEmpty)
            }
            // The same text sealed twice differs (a random nonce per value).
            let other = Self.resident(world, name: "王秀英")
            try await world.store.transaction(.community(world.a.id)) { tx in try await residents.create(other, on: tx) }
            let distinct: Int = try await pool.query(
                "SELECT count(DISTINCT care_notes_sealed)::int AS n FROM residents WHERE care_notes_sealed IS NOT NULL"
            ).rows[0].decode("n")
            #expect(distinct == 2)
            // A store without a key keeps the notes when it updates, and cannot write one.
            try await world.store.transaction(.community(world.a.id)) { tx in
                var read = try await ResidentStore().resident(r.id, on: tx)
                read.phone = "13900001111"
                try await ResidentStore().update(read, on: tx)
            }
            try await world.store.transaction(.community(world.a.id)) { tx async throws in
                #expect(try await residents.resident(r.id, on: tx).careNotes == Self.note)
                let error = await #expect(throws: StorageError.self) {
                    try await ResidentStore().create(Self.resident(world, name: "赵淑芬"), on: tx)
                }
                #expect(error?.code == .careNotesKeyMissing)
            }
            await world.close()
        }
    }

    @Test("the wrong key or a missing key is a clear error, never garbage")
    func wrongKey() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            let r = Self.resident(world)
            try await world.store.transaction(.community(world.a.id)) { tx in
                try await ResidentStore(careNotes: TestDatabase.careNotes).create(r, on: tx)
            }
            try await world.store.transaction(.community(world.a.id)) { tx async throws in
                let wrong = await #expect(throws: StorageError.self) {
                    try await ResidentStore(careNotes: try Self.keyring((1, 9))).resident(r.id, on: tx)
                }
                #expect(wrong?.code == .careNotesUnreadable)
                #expect(wrong?.message.contains("key 1") == true && wrong?.message.contains(Self.note) == false)
                let missing = await #expect(throws: StorageError.self) {
                    try await ResidentStore(careNotes: try Self.keyring((2, 7))).resident(r.id, on: tx)
                }
                #expect(missing?.code == .careNotesKeyMissing)
                #expect(missing?.message.contains("key 1, which is not configured") == true)
            }
            await world.close()
        }
    }

    @Test("a sealed value moved to another resident does not open")
    func movedValue() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let world = try await TwoCommunities.make(configuration)
            let residents = ResidentStore(careNotes: TestDatabase.careNotes)
            let a = Self.resident(world)
            let b = Self.resident(world, name: "王秀英", notes: nil)
            try await world.store.transaction(.community(world.a.id)) { tx in
                try await residents.create(a, on: tx)
                try await residents.create(b, on: tx)
            }
            try await pool.execute(
                """
                UPDATE residents SET (care_notes_sealed, care_notes_key_id) =
                    (SELECT care_notes_sealed, care_notes_key_id FROM residents WHERE id = \(a.id))
                WHERE id = \(b.id)
                """)
            try await world.store.transaction(.community(world.a.id)) { tx async throws in
                let error = await #expect(throws: StorageError.self) { try await residents.resident(b.id, on: tx) }
                #expect(error?.code == .careNotesUnreadable)
                #expect(try await residents.resident(a.id, on: tx).careNotes == Self.note)
            }
            await world.close()
        }
    }

    @Test("plain text from before 0019 is read as it is, then sealed by `seal`; `rotate` moves values to the newest key")
    func sealAndRotate() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let world = try await TwoCommunities.make(configuration)
            let first = try Self.keyring((1, 7))
            let both = try Self.keyring((1, 7), (2, 8))
            let legacy = Self.resident(world, notes: nil)
            let sealed = Self.resident(world, name: "王秀英", notes: "耳背，请大声")
            try await world.store.transaction(.community(world.a.id)) { tx in
                try await ResidentStore(careNotes: first).create(legacy, on: tx)
                try await ResidentStore(careNotes: first).create(sealed, on: tx)
            }
            try await pool.execute("UPDATE residents SET care_notes = \(Self.note) WHERE id = \(legacy.id)")
            try await world.store.transaction(.administrator()) { tx async throws in
                #expect(try await CareNotesStore().status(on: tx) == CareNotesStatus(plaintext: 1, sealedByKey: [1: 1]))
                #expect(try await ResidentStore(careNotes: first).resident(legacy.id, on: tx).careNotes == Self.note)
                #expect(try await CareNotesStore().sealPlaintext(with: first, on: tx) == 1)
                #expect(try await CareNotesStore().status(on: tx) == CareNotesStatus(plaintext: 0, sealedByKey: [1: 2]))
                #expect(try await CareNotesStore().rotate(with: both, on: tx) == 2)
                #expect(try await CareNotesStore().status(on: tx) == CareNotesStatus(plaintext: 0, sealedByKey: [2: 2]))
                #expect(try await CareNotesStore().rotate(with: both, on: tx) == 0)
            }
            let onlySecond = try Self.keyring((2, 8))
            try await world.store.transaction(.community(world.a.id)) { tx async throws in
                #expect(try await ResidentStore(careNotes: onlySecond).resident(legacy.id, on: tx).careNotes == Self.note)
                #expect(try await ResidentStore(careNotes: onlySecond).resident(sealed.id, on: tx).careNotes == "耳背，请大声")
            }
            await world.close()
        }
    }

    @Test("the demo loads its notes sealed with a key, and leaves them out without one")
    func demo() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            try await DemoData.load(
                pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory, careNotes: TestDatabase.careNotes)
            let row = try await pool.query(
                """
                SELECT count(*) FILTER (WHERE care_notes IS NOT NULL)::int AS plain,
                       count(*) FILTER (WHERE care_notes_sealed IS NOT NULL)::int AS sealed FROM residents
                """
            ).rows[0]
            #expect(try row.decode("plain", as: Int.self) == 0)
            #expect(try row.decode("sealed", as: Int.self) > 0)
        }
        try await TestDatabase.withDatabase { pool, _ in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let stored: Int = try await pool.query(
                "SELECT count(*)::int AS n FROM residents WHERE care_notes IS NOT NULL OR care_notes_sealed IS NOT NULL"
            ).rows[0].decode("n")
            #expect(stored == 0)
        }
    }

    @Test("keys are read from a file only its owner may read, and from LINLI_CARE_NOTES_KEYS")
    func keySettings() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linli-keys-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("care-notes.key").path
        let key = CareNotesKeyring.generateKey(id: 3)
        #expect(FileManager.default.createFile(atPath: file, contents: Data("# keys\n\(key.line)\n".utf8)))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let refused = await #expect(throws: SettingsError.self) {
            try await LinliSettings.load(environment: ["LINLI_CARE_NOTES_KEY_FILE": file])
        }
        #expect(refused?.variable == "LINLI_CARE_NOTES_KEY_FILE")
        #expect(refused?.problem.contains("chmod 600") == true && refused?.problem.contains("0644") == true)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let settings = try await LinliSettings.load(environment: ["LINLI_CARE_NOTES_KEY_FILE": file])
        #expect(settings.careNotesKeys == [key])
        #expect(try CareNotesKeyring(settings: settings)?.currentKeyID == 3)
        let inline = CareNotesKeyring.generateKey(id: 4)
        let merged = try await LinliSettings.load(environment: [
            "LINLI_CARE_NOTES_KEY_FILE": file, "LINLI_CARE_NOTES_KEYS": inline.line,
        ])
        #expect(merged.careNotesKeys.map(\.id) == [3, 4])
        #expect(try await LinliSettings.load(environment: [:]).careNotesKeys.isEmpty)
        #expect(throws: SettingsError.self) {
            _ = try CareNotesKey.parse("1:dG9vIHNob3J0", source: "LINLI_CARE_NOTES_KEYS")
        }
        #expect("\(key)" == "CareNotesKey(3)", "a key never prints")
    }
}
