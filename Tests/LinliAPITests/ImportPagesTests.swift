import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

@testable import LinliAPI

@Suite("The import page: upload, dry run row by row, apply all or nothing")
struct ImportPagesTests {
    static let boundary = "----LinliTestBoundary7MA4YWxkTrZu0gW"

    /// A multipart/form-data body as a browser sends the upload form.
    static func multipart(csrf: String?, kind: String, fileName: String, file: Data) -> ByteBuffer {
        var body = Data()
        func text(_ name: String, _ value: String) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        if let csrf { text("csrf_token", csrf) }
        text("kind", kind)
        body.append(
            Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: text/csv\r\n\r\n"
                    .utf8))
        body.append(file)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return ByteBuffer(bytes: body)
    }

    static func upload(
        _ session: PageSession, kind: String = "volunteers", _ csv: String, csrf: Bool = true
    ) async throws -> TestResponse {
        var headers = session.cookie
        headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await session.client.execute(
            uri: "/app/import?community=demo", method: .post, headers: headers,
            body: multipart(csrf: csrf ? session.csrf : nil, kind: kind, fileName: "名单.csv", file: Data(csv.utf8)))
    }

    static func volunteerCount(_ pool: ConnectionPool) async throws -> Int {
        let demo = try await APITest.demoID(pool)
        return try await Store(pool: pool).transaction(.community(demo)) { tx in
            try await VolunteerStore().volunteers(includeInactive: true, on: tx).count
        }
    }

    static let bad = """
        姓名,手机号,性别,网格
        周新华,13811112222,男,第一网格
        吴小梅,1381111,女,第二网格
        """

    static let good = """
        姓名,手机号,性别,网格
        周新华,13811112222,男,第一网格
        吴小梅,13811113333,女,第二网格
        """

    @Test("a dry run lists each row and its problem with the column; nothing is stored and no import is offered")
    func dryRunWithErrors() async throws {
        try await APITest.withAPI { signedIn, pool in
            let coordinator = try await PageSession.signIn(signedIn, pool, role: .coordinator)
            let form = try await coordinator.get("/app/import?community=demo")
            #expect(form.status == .ok)
            let formHTML = String(buffer: form.body)
            #expect(formHTML.contains(#"enctype="multipart/form-data""#) && formHTML.contains(#"<label for="file">"#))
            let before = try await Self.volunteerCount(pool)
            let response = try await Self.upload(coordinator, Self.bad)
            #expect(response.status == .unprocessableContent)
            let html = String(buffer: response.body)
            #expect(html.contains(#"id="row-2""#) && html.contains(#"id="row-3""#))
            #expect(html.contains("第3行") && html.contains("手机号") && html.contains("1381111"))
            #expect(html.contains(#"id="report-problems""#) && !html.contains(#"id="apply-form""#))
            // The good row still says what it would do.
            let row2 = try #require(DeskPagesTests.between(html, #"id="row-2""#, "</tr>"))
            #expect(row2.contains("可以导入") && row2.contains("新增"))
            #expect(try await Self.volunteerCount(pool) == before)
        }
    }

    @Test("a clean dry run says who is added or updated and stores nothing; applying imports every row")
    func dryRunThenApply() async throws {
        try await APITest.withAPI { signedIn, pool in
            let coordinator = try await PageSession.signIn(signedIn, pool, role: .coordinator)
            let existing = try await PeoplePagesTests.volunteer(pool, "V0010")
            // The third row matches a volunteer by phone and renames them: an update.
            let csv = Self.good + "\n\(existing.name)甲,\(try #require(existing.phone)),\(existing.sex == .male ? "男" : "女"),第三网格"
            let before = try await Self.volunteerCount(pool)
            let response = try await Self.upload(coordinator, csv)
            #expect(response.status == .ok)
            let html = String(buffer: response.body)
            #expect(html.contains(#"id="apply-form""#) && html.contains("将新增 2 人，更新 1 人"))
            #expect(html.contains("新增") && html.contains("更新已有的人"))
            #expect(try await Self.volunteerCount(pool) == before)
            let file = try #require(HTML.value(html, name: "file"))
            let applied = try await coordinator.post(
                "/app/import/apply?community=demo", [("kind", "volunteers"), ("file_name", "名单.csv"), ("file", file)])
            #expect(applied.status == .seeOther)
            let location = try #require(applied.headers[.location])
            #expect(location.contains("inserted=2") && location.contains("updated=1"))
            #expect(try await Self.volunteerCount(pool) == before + 2)
            let done = String(buffer: try await coordinator.get(location).body)
            #expect(done.contains("导入完成：新增 2 人，更新 1 人"))
            // The same file again changes nobody.
            let again = String(buffer: try await Self.upload(coordinator, csv).body)
            #expect(again.contains("将新增 0 人，更新 0 人") && again.contains("已有，没有变化"))
        }
    }

    @Test("uploads and imports need the CSRF token and a role that may change volunteers; a bad file is named")
    func refusals() async throws {
        try await APITest.withAPI { signedIn, pool in
            let coordinator = try await PageSession.signIn(signedIn, pool, role: .coordinator)
            #expect(try await Self.upload(coordinator, Self.good, csrf: false).status == .forbidden)
            let before = try await Self.volunteerCount(pool)
            let file = Data(Self.good.utf8).base64EncodedString()
            let forged = try await coordinator.post(
                "/app/import/apply?community=demo", [("kind", "volunteers"), ("file", file)], csrf: false)
            #expect(forged.status == .forbidden)
            // Applying a file with a bad row stores nothing and shows the report again.
            let badApply = try await coordinator.post(
                "/app/import/apply?community=demo",
                [("kind", "volunteers"), ("file", Data(Self.bad.utf8).base64EncodedString())])
            #expect(badApply.status == .unprocessableContent)
            #expect(String(buffer: badApply.body).contains(#"id="row-3""#))
            #expect(try await Self.volunteerCount(pool) == before)
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            #expect(try await Self.upload(desk, Self.good).status == .forbidden)
            let binary = try await Self.upload(coordinator, "PK\u{3}\u{4}not really a zip")
            #expect(binary.status == .unprocessableContent)
            #expect(String(buffer: binary.body).contains(#"id="file-error""#))
        }
    }
}
