import Foundation
import LinliDatabase

/// The demo community that README command 1 loads (和平街道 / 幸福里社区).
public enum DemoData {
    /// `sql/demo/demo_community.sql`, found beside the migrations folder.
    public static func scriptURL(migrationsDirectory: URL) -> URL {
        migrationsDirectory.deletingLastPathComponent().appendingPathComponent("demo/demo_community.sql")
    }

    /// Loads the demo community unless it is there already; returns true when it loaded it.
    @discardableResult
    public static func load(pool: ConnectionPool, migrationsDirectory: URL) async throws -> Bool {
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
            return true
        }
    }
}
