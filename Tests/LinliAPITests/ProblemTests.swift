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

@Suite("API errors are problem+json naming the field, never an empty 500")
struct ProblemTests {
    @Test("bad bodies: malformed JSON, unknown field, wrong type, bad value, missing field, 415, no body; nothing written")
    func badBodies() async throws {
        try await APITest.withAPI { client, pool in
            let cases: [(String, HTTPResponse.Status, String, [String])] = [
                (#"{"name": "张三", "sex": "#, .badRequest, "malformed_json", [""]),
                (#"["张三"]"#, .badRequest, "malformed_json", [""]),
                (#"{"name": "张三", "sex": "male", "nickname": "三儿"}"#, .badRequest, "unknown_field", ["nickname"]),
                (#"{"name": 123, "sex": "male"}"#, .badRequest, "wrong_type", ["name"]),
                (#"{"name": "张三", "sex": "male", "groups": ["youth", 5]}"#, .badRequest, "wrong_type", ["groups[1]"]),
                (#"{"name": "张三", "sex": "unknown"}"#, .badRequest, "invalid_value", ["sex"]),
                (#"{"sex": "male"}"#, .badRequest, "required", ["name"]),
                (#"{"name": null, "sex": "male"}"#, .badRequest, "required", ["name"]),
                (
                    #"{"name": "  ", "sex": "male", "phone": "1380013800"}"#, .unprocessableContent, "validation_failed",
                    ["name", "phone"]
                ),
                (
                    #"{"name": "张三", "sex": "male", "birth_year": 1800, "email": "no-at"}"#, .unprocessableContent,
                    "validation_failed", ["email", "birth_year"]
                ),
            ]
            for (body, status, code, fields) in cases {
                try await client.execute(
                    uri: APITest.volunteers, method: .post, headers: APITest.json, body: ByteBuffer(string: body)
                ) { response in
                    try expectProblem(response, status, code: code, fields: fields)
                }
            }
            // 51 汉字 is one too many (counted in Unicode scalars, not UTF-8 bytes); 50 are fine.
            let long = String(repeating: "欧", count: 51)
            try await client.execute(
                uri: APITest.volunteers, method: .post, headers: APITest.json,
                body: ByteBuffer(string: #"{"name": "\#(long)", "sex": "female"}"#)
            ) { response in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["name"])
                #expect(try JSONValue(response.body).errorCodes == ["too_long"])
            }
            try await client.execute(
                uri: APITest.volunteers, method: .post, headers: APITest.headers([.contentType: "text/plain"]),
                body: ByteBuffer(string: #"{"name": "张三", "sex": "male"}"#)
            ) { response in try expectProblem(response, .unsupportedMediaType, code: "unsupported_media_type") }
            try await client.execute(uri: APITest.volunteers, method: .post, headers: APITest.json) { response in
                try expectProblem(response, .badRequest, code: "missing_body", fields: [""])
            }
            // None of these wrote a volunteer.
            let id = try await APITest.demoID(pool)
            let names = try await Store(pool: pool).transaction(.community(id)) { tx in
                try await VolunteerStore().volunteers(includeInactive: true, on: tx).map(\.name)
            }
            #expect(!names.contains("张三") && !names.contains(long) && !names.contains("  "))
        }
    }

    @Test("a body over LINLI_HTTP_MAX_BODY_BYTES is a 413 problem")
    func oversizedBody() async throws {
        try await APITest.withAPI(maxBodyBytes: 1024) { client, _ in
            let body = #"{"name": "张三", "sex": "male", "email": ""# + String(repeating: "a", count: 2000) + #""}"#
            try await client.execute(
                uri: APITest.volunteers, method: .post, headers: APITest.json, body: ByteBuffer(string: body)
            ) { response in try expectProblem(response, .contentTooLarge, code: "body_too_large") }
        }
    }

    @Test("wrong method is 405 with Allow; unknown path and unknown community are 404; request ids echo")
    func methodsPathsAndRequestIDs() async throws {
        try await APITest.withAPI { client, _ in
            try await client.execute(uri: APITest.volunteers, method: .delete) { response in
                try expectProblem(response, .methodNotAllowed, code: "method_not_allowed")
                #expect(response.headers[.allow] == "GET, POST")
            }
            try await client.execute(uri: APITest.volunteers + "/" + UUID().uuidString, method: .put) { response in
                try expectProblem(response, .methodNotAllowed, code: "method_not_allowed")
                #expect(response.headers[.allow] == "GET, PATCH")
            }
            try await client.execute(uri: "/healthz", method: .post) { response in
                try expectProblem(response, .methodNotAllowed, code: "method_not_allowed")
                #expect(response.headers[.allow] == "GET")
            }
            try await client.execute(uri: "/api/v1/nothing/here", method: .get) { response in
                try expectProblem(response, .notFound, code: "route_not_found")
            }
            try await client.execute(uri: "/api/v1/communities/nosuch/volunteers", method: .get) { response in
                try expectProblem(response, .notFound, code: "community_not_found")
            }
            try await client.execute(uri: APITest.volunteers + "/" + UUID().uuidString, method: .get) { response in
                try expectProblem(response, .notFound, code: "not_found")
            }
            try await client.execute(uri: APITest.volunteers + "/not-a-uuid", method: .get) { response in
                try expectProblem(response, .notFound, code: "not_found")
            }
            let requestID = try #require(HTTPField.Name("X-Request-Id"))
            try await client.execute(
                uri: "/api/v1/nothing", method: .get, headers: APITest.headers([requestID: "req-42"])
            ) { response async throws in
                #expect(response.headers[requestID] == "req-42")
                #expect(try JSONValue(response.body).string["request_id"] == "req-42")
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.headers[requestID]?.count == 36)
            }
        }
    }

    @Test("messages are Chinese by default and English on Accept-Language: en")
    func languages() async throws {
        try await APITest.withAPI { client, _ in
            let body = ByteBuffer(string: #"{"name": "", "sex": "male"}"#)
            let cases: [(String?, Bool)] = [(nil, false), ("en", true), ("en-US,en;q=0.9", true), ("zh-CN,en;q=0.5", false)]
            for (accept, english) in cases {
                var headers = APITest.json
                if let accept { headers[.acceptLanguage] = accept }
                try await client.execute(uri: APITest.volunteers, method: .post, headers: headers, body: body) { response in
                    try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["name"])
                    let problem = try JSONValue(response.body)
                    let message = try #require((problem["errors"] as? [[String: Any]])?.first?["message"] as? String)
                    #expect(response.headers[.contentLanguage] == (english ? "en" : "zh-CN"))
                    #expect(message == (english ? "may not be empty" : "不能为空"), "\(accept ?? "none")")
                    #expect(problem.string["title"] == (english ? "Unprocessable content" : "数据无效"))
                }
            }
        }
    }
}
