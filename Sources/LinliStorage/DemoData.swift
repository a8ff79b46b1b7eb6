import Foundation
import LinliDatabase
import LinliDomain

/// The demo community that README command 1 loads (和平街道 / 幸福里社区).
public enum DemoData {
    /// `sql/demo/demo_community.sql`, found beside the migrations folder.
    public static func scriptURL(migrationsDirectory: URL) -> URL {
        migrationsDirectory.deletingLastPathComponent().appendingPathComponent("demo/demo_community.sql")
    }

    /// Loads the demo community unless it is there already; returns true when it loaded it.
    /// Its residents' care notes are sealed with `careNotes`; without a keyring they are left
    /// out, so no care note is ever stored as plain text.
    @discardableResult
    public static func load(
        pool: ConnectionPool, migrationsDirectory: URL, careNotes: CareNotesKeyring? = nil
    ) async throws -> Bool {
        let url = scriptURL(migrationsDirectory: migrationsDirectory)
        guard let data = FileManager.default.contents(atPath: url.path), let sql = String(data: data, encoding: .utf8) else {
            throw MigrationError(message: "cannot read the demo data script at \(url.path)")
        }
        return try await pool.transaction { tx in
            try await tx.query("SELECT set_config('linli.all_communities', 'on', true)")
            let present: Bool = try await tx.query("SELECT EXISTS (SELECT 1 FROM communities WHERE code = 'demo') AS present")
                .rows[0].decode("present")
            if present { return false }
            try await tx.executeScript(SQLQuery(unsafeSQL: sql))
            let community: ID<Community> = try await tx.query("SELECT id FROM communities WHERE code = 'demo'").rows[0]
                .decode("id")
            if let careNotes {
                try await CareNotesStore().sealPlaintext(with: careNotes, community: community, on: tx)
            } else {
                try await CareNotesStore().dropPlaintext(community: community, on: tx)
            }
            return true
        }
    }
}
