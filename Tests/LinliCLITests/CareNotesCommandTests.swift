import Foundation
import LinliDatabase
import LinliStorage
import LinliTestSupport
import Testing

@Suite("linli care-notes: keys, sealing plain text, rotation")
struct CareNotesCommandTests {
    @Test("keygen writes a 0600 key file; seal seals legacy plain text; rotate moves to a new key; a readable file is refused")
    func sealAndRotate() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linli-cli-keys-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("care-notes.key").path
            let linli = Linli(databaseURL: configuration.connectionString)
            let keyed = ["LINLI_CARE_NOTES_KEY_FILE": file]

            let keygen = try linli.run(["care-notes", "keygen", file])
            #expect(keygen.status == 0, "\(keygen.errors)")
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            #expect(try linli.run(["care-notes", "keygen", file]).status != 0, "an existing file is not overwritten")

            // Notes written by SQL (as before migration 0019) are plain text until `seal`.
            try await pool.execute(
                "UPDATE residents SET care_notes = '独居，耳背，请大声' WHERE external_id IN (SELECT external_id FROM residents ORDER BY external_id LIMIT 3)"
            )
            let migrate = try linli.run(["migrate"])
            #expect(migrate.output.contains("3 care note(s) are still plain text"))
            let withoutKey = try linli.run(["care-notes", "seal"])
            #expect(withoutKey.status == 1 && withoutKey.errors.contains("LINLI_CARE_NOTES_KEY_FILE"))
            let seal = try linli.run(["care-notes", "seal"], extraEnvironment: keyed)
            #expect(seal.status == 0 && seal.output.contains("sealed 3 care note(s) with key 1"), "\(seal.errors)")
            let plain: Int = try await pool.query(
                "SELECT count(*)::int AS n FROM residents WHERE care_notes IS NOT NULL OR care_notes_sealed::text LIKE '%耳背%'"
            ).rows[0].decode("n")
            #expect(plain == 0)
            let doctor = try linli.run(["doctor"], extraEnvironment: keyed)
            #expect(doctor.output.contains("✓ care notes: 3 sealed (key 1 seals)"), "\(doctor.output)")
            let doctorWithoutKey = try linli.run(["doctor"])
            #expect(doctorWithoutKey.output.contains("key(s) 1 that are not configured"), "\(doctorWithoutKey.output)")

            #expect(try linli.run(["care-notes", "keygen", "--add", file]).status == 0)
            let rotate = try linli.run(["care-notes", "rotate"], extraEnvironment: keyed)
            #expect(rotate.status == 0 && rotate.output.contains("re-sealed 3 care note(s) with key 2"), "\(rotate.errors)")
            let status = try linli.run(["care-notes", "status", "--json"], extraEnvironment: keyed)
            #expect(status.output.contains(#""2" : 3"#), "\(status.output)")

            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file)
            let refused = try linli.run(["care-notes", "status"], extraEnvironment: keyed)
            #expect(refused.status == 1 && refused.errors.contains("chmod 600"), "\(refused.errors)")
        }
    }
}
