import Foundation
import LinliDatabase
import LinliStorage
import LinliTestSupport
import Testing

@Suite("linli demo load, run as a program")
struct DemoCommandTests {
    @Test("--passwords-file gives the demo accounts random passwords once, in a file only its owner reads")
    func passwords() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("demo-passwords-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            let loaded = try linli.run(["demo", "load", "--passwords-file", file])
            #expect(loaded.status == 0, "\(loaded.errors)")
            let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
            #expect(lines.map { $0.split(separator: " ")[0] }.sorted() == ["admin", "coordinator", "desk", "patrol"])
            #expect(lines.allSatisfy { $0.split(separator: " ").last?.count == 16 })
            #expect(Set(lines.map { $0.split(separator: " ")[1] }).count == 4)
            let permissions = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(permissions == 0o600)
            let hashed: Int = try await Store(pool: pool).transaction(.administrator()) { tx in
                try await tx.query("SELECT count(*)::int AS n FROM users WHERE password_hash LIKE '$argon2id$%'")
                    .rows[0].decode("n")
            }
            #expect(hashed == 4)
            // A second load gives no account a new password.
            let again = try linli.run(["demo", "load", "--passwords-file", file])
            #expect(again.status == 0, "\(again.errors)")
            #expect(try String(contentsOfFile: file, encoding: .utf8).isEmpty)
        }
    }
}
