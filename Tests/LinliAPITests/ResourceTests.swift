import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliDatabase
import LinliDomain
import LinliStorage
import NIOCore
import Testing

@Suite("Volunteers and residents over /api/v1/communities/{code}")
struct ResourceTests {
    @Test("create, read, patch: Chinese round-trips exactly; ETag and If-Match (428, 412, 200)")
    func volunteerLifecycle() async throws {
        try await APITest.withAPI { client, _ in
            // A rare CJK character outside the BMP, a combining mark and an emoji must survive as sent.
            let name = "欧阳𠀀娜娜é🙂"
            let created = try await client.execute(
                uri: APITest.volunteers, method: .post, headers: APITest.json,
                body: ByteBuffer(
                    string: #"{"name": "\#(name)", "sex": "female", "phone": "13912345678", "groups": ["youth"]}"#)
            ) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                #expect(response.headers[.eTag] == "\"1\"")
                let body = try JSONValue(response.body)
                #expect(body.string["name"] == name)
                return try #require(response.headers[.location])
            }
            #expect(created.hasPrefix(APITest.volunteers + "/"))
            try await client.execute(uri: created, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == "\"1\"")
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let body = try JSONValue(response.body)
                #expect(body.string["name"] == name)
                #expect(body.string["phone"] == "13912345678")
                #expect(body["email"] is NSNull)
                #expect(Set(body.object.keys) == Contract.shared.properties("Volunteer"))
            }
            let patch = ByteBuffer(string: #"{"name": "欧阳娜", "email": "ouyang@example.cn", "phone": null}"#)
            try await client.execute(uri: created, method: .patch, headers: APITest.json, body: patch) { response in
                try expectProblem(response, .preconditionRequired, code: "if_match_required")
            }
            var stale = APITest.json
            stale[.ifMatch] = "\"7\""
            try await client.execute(uri: created, method: .patch, headers: stale, body: patch) { response in
                try expectProblem(response, .preconditionFailed, code: "stale_version")
                #expect(response.headers[.eTag] == "\"1\"")
            }
            var current = APITest.headers([.contentType: "application/merge-patch+json"])
            current[.ifMatch] = "\"1\""
            try await client.execute(uri: created, method: .patch, headers: current, body: patch) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(response.headers[.eTag] == "\"2\"")
                let body = try JSONValue(response.body)
                #expect(body.string["name"] == "欧阳娜")
                #expect(body.string["email"] == "ouyang@example.cn")
                #expect(body["phone"] is NSNull)
                #expect(body.string["sex"] == "female")
            }
            // The same If-Match again is now stale; null on a required field names it.
            try await client.execute(uri: created, method: .patch, headers: current, body: patch) { response in
                try expectProblem(response, .preconditionFailed, code: "stale_version")
            }
            current[.ifMatch] = "\"2\""
            try await client.execute(
                uri: created, method: .patch, headers: current, body: ByteBuffer(string: #"{"name": null, "age": 3}"#)
            ) { response in
                try expectProblem(response, .badRequest, code: "unknown_field", fields: ["age"])
            }
            try await client.execute(
                uri: created, method: .patch, headers: current, body: ByteBuffer(string: #"{"name": null}"#)
            ) { response in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["name"])
            }
            // A phone number taken in the community is a 409 naming the field.
            try await client.execute(
                uri: APITest.volunteers, method: .post, headers: APITest.json,
                body: ByteBuffer(string: #"{"name": "李四", "sex": "male", "phone": "13912345678"}"#)
            ) { response in
                #expect(response.status == .created)
            }
            try await client.execute(
                uri: APITest.volunteers, method: .post, headers: APITest.json,
                body: ByteBuffer(string: #"{"name": "王五", "sex": "male", "phone": "13912345678"}"#)
            ) { response in
                try expectProblem(response, .conflict, code: "duplicate", fields: ["phone"])
            }
        }
    }

    @Test("pages walk every volunteer of the demo community exactly once, in name order")
    func pagination() async throws {
        try await APITest.withAPI { client, pool in
            let community = try await APITest.demoID(pool)
            let expected = try await Store(pool: pool).transaction(.community(community)) { tx in
                try await VolunteerStore().volunteers(includeInactive: true, on: tx).map(\.id.description)
            }
            #expect(expected.count >= 48)
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri =
                    APITest.volunteers + "?status=all&limit=7"
                    + (cursor.map { "&cursor=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? "")
                cursor = try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(String(buffer: response.body))")
                    let page = try JSONValue(response.body)
                    #expect(page.items.count <= 7)
                    seen += page.items.compactMap { $0["id"] as? String }
                    return page["next_cursor"] as? String
                }
                pages += 1
            } while cursor != nil && pages < 100
            #expect(seen == expected)
            #expect(Set(seen).count == seen.count)
            #expect(pages == (expected.count + 6) / 7)

            for (query, field) in [
                ("limit=201", "limit"), ("limit=abc", "limit"), ("cursor=xyz", "cursor"), ("status=gone", "status"),
            ] {
                try await client.execute(uri: APITest.volunteers + "?" + query, method: .get) { response in
                    try expectProblem(response, .badRequest, code: "invalid_parameter", fields: [field])
                }
            }
        }
    }

    @Test("?q= finds by part of the name and by the phone's last digits")
    func filter() async throws {
        try await APITest.withAPI { client, _ in
            try await client.execute(
                uri: APITest.volunteers, method: .post, headers: APITest.json,
                body: ByteBuffer(string: #"{"name": "筛选测试员", "sex": "male", "phone": "13700009876"}"#)
            ) { response in #expect(response.status == .created) }
            for q in ["%E7%AD%9B%E9%80%89", "9876"] {
                try await client.execute(uri: APITest.volunteers + "?q=" + q, method: .get) { response in
                    let names = try JSONValue(response.body).items.compactMap { $0["name"] as? String }
                    #expect(names == ["筛选测试员"], "q=\(q)")
                }
            }
        }
    }

    @Test("residents: masked phone and address in lists, whole in the single GET; landlines accepted")
    func residents() async throws {
        try await APITest.withAPI { client, _ in
            let location = try await client.execute(
                uri: APITest.residents, method: .post, headers: APITest.json,
                body: ByteBuffer(
                    string:
                        #"{"name": "阿阿测试老人", "sex": "female", "phone": "01064012345", "address": "幸福里小区3号楼2单元501室", "care_needs": ["助餐"]}"#
                )
            ) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                return try #require(response.headers[.location])
            }
            try await client.execute(uri: location, method: .get) { response in
                let body = try JSONValue(response.body)
                #expect(body.string["phone"] == "01064012345")
                #expect(body.string["address"] == "幸福里小区3号楼2单元501室")
                #expect(Set(body.object.keys) == Contract.shared.properties("Resident"))
            }
            try await client.execute(uri: APITest.residents + "?limit=200", method: .get) { response in
                let items = try JSONValue(response.body).items
                #expect(items.count >= 30)
                let mine = try #require(items.first { $0["name"] as? String == "阿阿测试老人" })
                #expect(mine["phone"] as? String == "010****2345")
                #expect(mine["address"] as? String == "幸福里小区3****")
                for item in items {
                    if let phone = item["phone"] as? String { #expect(phone.contains("****"), "\(phone)") }
                }
            }
            try await client.execute(
                uri: APITest.residents, method: .post, headers: APITest.json,
                body: ByteBuffer(string: #"{"name": "王奶奶", "sex": "female", "phone": "123", "care_needs": [""]}"#)
            ) { response in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["phone", "care_needs[0]"])
            }
        }
    }
}
