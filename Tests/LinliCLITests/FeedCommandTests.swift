import Foundation
import LinliDatabase
import LinliStorage
import LinliTestSupport
import Testing

@Suite("linli feed")
struct FeedCommandTests {
    @Test("create prints the URL once, list shows the feed without it, revoke ends it; usage errors exit 2")
    func lifecycle() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let linli = Linli(databaseURL: configuration.connectionString)
            let team: String = try #require(
                try await pool.query("SELECT name FROM patrol_teams ORDER BY name LIMIT 1").rows.first?.decode("name"))
            let created = try linli.run([
                "feed", "create", "--community", "demo", "--team", team, "--label", "队长手机", "--base-url",
                "https://linli.example.cn/", "--json",
            ])
            #expect(created.status == 0, "\(created.errors)")
            let feed = try #require(try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [String: Any])
            let url = try #require(feed["url"] as? String)
            #expect(url.hasPrefix("https://linli.example.cn/feeds/") && url.hasSuffix(".ics") && url.count == 31 + 43 + 4)
            let id = try #require(feed["id"] as? String)

            let list = try linli.run(["feed", "list", "--community", "demo"])
            #expect(list.status == 0)
            #expect(list.output.contains(id) && list.output.contains("队长手机") && list.output.contains("live"))
            let token = String(url.dropFirst("https://linli.example.cn/feeds/".count).dropLast(4))
            #expect(!list.output.contains(token), "the token is shown once only")

            let revoked = try linli.run(["feed", "revoke", id, "--community", "demo"])
            #expect(revoked.status == 0, "\(revoked.errors)")
            let after = try linli.run(["feed", "list", "--community", "demo", "--json"])
            let feeds = try #require(try JSONSerialization.jsonObject(with: Data(after.output.utf8)) as? [[String: Any]])
            #expect(feeds.first?["revokedAt"] as? String != nil)

            #expect(try linli.run(["feed", "create", "--community", "demo"]).status == 2)
            #expect(try linli.run(["feed", "revoke", "not-an-id", "--community", "demo"]).status == 2)
        }
    }
}
