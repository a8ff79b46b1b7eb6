import Foundation
import HTTPTypes
import Hummingbird
import LinliDomain
import NIOCore

/// The paging part of a list's query: `limit` (1…200, default 50) and the opaque `cursor`
/// (the previous page's `next_cursor`), each named when it is wrong.
struct PageQuery {
    var limit = 50
    var after: (name: String, id: UUID)?

    static let maxLimit = 200

    init(_ request: Request, validation: inout Validation) {
        let query = request.uri.queryParameters
        if let raw = query["limit"] {
            if let value = Int(raw), (1...Self.maxLimit).contains(value) {
                limit = value
            } else {
                validation.fail(
                    "limit", "out_of_range", "须为 1 到 \(Self.maxLimit) 的整数", "must be an integer from 1 to \(Self.maxLimit)")
            }
        }
        if let raw = query["cursor"] {
            after = Cursor.decode(String(raw))
            if after == nil { validation.fail("cursor", "invalid_cursor", "翻页标记无效", "is not a cursor this API gave out") }
        }
    }
}

/// The query of a list of people: `q`, `status` and the page (`limit`, `cursor`), each checked
/// with the parameter named when it is wrong.
struct ListQuery {
    var text: String?
    /// nil: active and inactive.
    var active: Bool?
    var page: PageQuery
    var limit: Int { page.limit }
    var after: (name: String, id: UUID)? { page.after }

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        var validation = Validation()
        text = query["q"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        validation.text("q", text, max: 50)
        switch query["status"].map(String.init) ?? "active" {
        case "active": active = true
        case "inactive": active = false
        case "all": active = nil
        default:
            active = true
            validation.fail("status", "invalid_value", "须为 active、inactive 或 all", "must be active, inactive or all")
        }
        page = PageQuery(request, validation: &validation)
        try validation.checkParameters()
    }
}

/// `?week=`: an ISO week ("2026-W48") or a date in it ("2026-11-23"); its Monday.
enum WeekQuery {
    static func monday(_ request: Request) throws -> LocalDate {
        var validation = Validation()
        let raw = request.uri.queryParameters["week"].map(String.init) ?? ""
        let week = raw.isEmpty ? nil : validation.week("week", raw)
        if raw.isEmpty {
            validation.fail(
                "week", "required", "须为 ISO 周（2026-W48）或日期（2026-11-23）", "must be an ISO week (2026-W48) or a date (2026-11-23)")
        }
        try validation.checkParameters()
        return week ?? LocalDate(Date(), in: .gmt)
    }
}

/// Times as the API writes and reads them: ISO 8601 with the community's offset
/// ("2026-11-23T09:00:00+08:00"). Any offset (or Z) is accepted on input.
enum APITime {
    static func format(_ date: Date, in community: Community) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: community.timeZone) ?? .shanghai
        return formatter.string(from: date)
    }

    /// The times a community's schedule can hold. A year like 0012 is a typing slip, and far
    /// outside this range time zones fall back to local mean time (+08:05:43 in Shanghai), which
    /// is not an offset ISO 8601 readers accept.
    static let plausible: ClosedRange<Date> =
        Date(timeIntervalSince1970: 946_684_800)...Date(timeIntervalSince1970: 4_102_444_799)  // 2000-01-01 … 2099-12-31

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

extension Validation {
    /// A time in ISO 8601 with an offset; nil (and a failure naming `field`) otherwise.
    mutating func time(_ field: String, _ text: String) -> Date? {
        guard let date = APITime.parse(text) else {
            fail(
                field, "invalid_time", "须为带时区的 ISO 8601 时间，如 2026-11-23T09:00:00+08:00",
                "must be an ISO 8601 time with offset, e.g. 2026-11-23T09:00:00+08:00")
            return nil
        }
        guard APITime.plausible.contains(date) else {
            fail(
                field, "out_of_range", "时间须在 2000 年至 2099 年之间", "must be a time between the years 2000 and 2099")
            return nil
        }
        return date
    }

    /// Query parameters that are wrong: a 400 naming them.
    func checkParameters() throws {
        guard !problems.isEmpty else { return }
        throw Problem(
            .badRequest, code: "invalid_parameter", detail: .init("查询参数有误", "A query parameter is wrong"),
            errors: problems)
    }
}

/// The opaque `next_cursor`: base64url of the last row's name and id (keyset pagination, so a
/// page is stable while rows are added or changed before it).
enum Cursor {
    struct Key: Codable {
        let n: String
        let i: UUID
    }

    static func encode(name: String, id: UUID) -> String {
        let data = (try? JSONEncoder().encode(Key(n: name, i: id))) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> (name: String, id: UUID)? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let key = try? JSONDecoder().decode(Key.self, from: data) else {
            return nil
        }
        return (key.n, key.i)
    }
}

/// ETags are the row's version; edits must name the version they were based on.
enum ETag {
    static func value(_ version: Int) -> String { "\"\(version)\"" }

    /// Checks `If-Match` against the current version: 428 without it, 412 when it names another.
    static func require(_ request: Request, current version: Int) throws {
        guard let header = request.headers[.ifMatch] else {
            throw Problem(
                .preconditionRequired, code: "if_match_required",
                detail: .init(
                    "修改须带 If-Match 请求头（取自读取时的 ETag）", "Send If-Match with the ETag you read before changing this"))
        }
        let tags = header.split(separator: ",").map { tag in
            var tag = tag.trimmingCharacters(in: .whitespaces)
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag
        }
        guard tags.contains("*") || tags.contains(value(version)) else {
            var headers = HTTPFields()
            headers[.eTag] = value(version)
            throw Problem(
                .preconditionFailed, code: "stale_version",
                detail: .init(
                    "记录已被他人修改（当前版本 \(version)），请重新读取后再试",
                    "Someone else changed the record (now version \(version)); reload and try again"),
                headers: headers)
        }
    }
}

/// A JSON response with the API's encoding: snake_case keys given by the types, UTF-8 text as
/// is (Chinese is not escaped), ISO 8601 times with offset.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    var headers = headers
    headers[.contentType] = "application/json; charset=utf-8"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}

/// A list that is not paged, because it is short by nature (a resident's bookings, a version's
/// assignments).
struct Items<Item: Encodable>: Encodable {
    let items: [Item]
}

/// One page of a list.
struct Page<Item: Encodable>: Encodable {
    let items: [Item]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    // Encodes a null next_cursor rather than leaving it out: the schema requires the key.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

extension Page {
    /// The first `limit` of `rows`, which were fetched with one extra to tell whether more follow;
    /// the cursor names the last row shown.
    init<Row>(rows: [Row], limit: Int, key: (Row) -> (name: String, id: UUID), item: (Row) -> Item) {
        let shown = rows.prefix(limit)
        items = shown.map(item)
        nextCursor = rows.count > limit ? shown.last.map { row in key(row) }.map { Cursor.encode(name: $0.name, id: $0.id) } : nil
    }
}

extension ETag {
    /// `ETag` for `version`, and `Location` when a resource was just created there.
    static func headers(_ version: Int, location: String? = nil) -> HTTPFields {
        var headers = HTTPFields()
        headers[.eTag] = value(version)
        if let location { headers[.location] = location }
        return headers
    }
}

/// Masks personal data in lists: "138****1234"; an address keeps its start.
enum Mask {
    static func phone(_ phone: String?) -> String? {
        guard let phone else { return nil }
        let scalars = Array(phone.unicodeScalars)
        guard scalars.count >= 8 else { return String(repeating: "*", count: scalars.count) }
        return String(String.UnicodeScalarView(scalars.prefix(3))) + "****"
            + String(String.UnicodeScalarView(scalars.suffix(4)))
    }

    static func address(_ address: String?) -> String? {
        guard let address else { return nil }
        let scalars = Array(address.unicodeScalars)
        return String(String.UnicodeScalarView(scalars.prefix(min(6, scalars.count / 2)))) + "****"
    }
}

extension Request {
    /// The `{id}` (or another) path parameter as a typed ID; a path that names no UUID names nothing (404).
    func pathID<Entity>(
        _ context: APIRequestContext, _ type: Entity.Type, parameter: String = "id", what: LocalizedText
    ) throws -> ID<Entity> {
        guard let raw = context.parameters.get(parameter), let id = ID<Entity>(uuidString: raw) else {
            throw Problem.notFound(what)
        }
        return id
    }
}

extension APIRequestContext {
    /// The community the path named; `CommunityMiddleware` guarantees it on community routes.
    func requireCommunity() throws -> Community {
        guard let community else {
            throw Problem.notFound(.init("未指定社区", "No community was named"))
        }
        return community
    }
}
