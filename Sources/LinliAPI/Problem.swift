import Foundation
import HTTPTypes
import Hummingbird
import LinliRostering
import LinliStorage
import NIOCore

/// The language of a response's messages: Chinese unless the request prefers English.
public enum Language: String, Sendable {
    case zh = "zh-CN"
    case en

    /// Picks zh-CN or en from an `Accept-Language` header by its q-values; zh-CN when neither is named.
    public init(acceptLanguage header: String?) {
        guard let header else {
            self = .zh
            return
        }
        var best: (Language, Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let tag = pieces.first else { continue }
            let quality = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            let language: Language? = tag.hasPrefix("en") ? .en : tag.hasPrefix("zh") || tag == "*" ? .zh : nil
            if let language, quality > 0, quality > (best?.1 ?? 0) { best = (language, quality) }
        }
        self = best?.0 ?? .zh
    }
}

/// A text a user sees, in Chinese and English (every such text exists in both).
public struct LocalizedText: Sendable, Hashable {
    public let zh: String
    public let en: String
    public init(_ zh: String, _ en: String) {
        self.zh = zh
        self.en = en
    }
    public func text(_ language: Language) -> String { language == .en ? en : zh }
}

/// One field that is wrong, named by its JSON path (`name`, `groups[1]`) or query parameter.
public struct FieldProblem: Sendable, Hashable {
    public let field: String
    public let code: String
    public let message: LocalizedText
    public init(field: String, code: String, message: LocalizedText) {
        self.field = field
        self.code = code
        self.message = message
    }
}

/// An error answered as `application/problem+json` (RFC 9457): the status, a machine code, a
/// message in the request's language and the fields at fault. Thrown by handlers and turned
/// into a response by `ProblemMiddleware`, which also maps every other error to one of these.
public struct Problem: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var detail: LocalizedText
    public var errors: [FieldProblem]
    /// Extra headers (Allow on a 405, ETag on a 412).
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, detail: LocalizedText, errors: [FieldProblem] = [],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// The body as sent; keys in a fixed order so clients and tests see stable JSON.
    struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let code: String
        let detail: String
        let requestID: String?
        let errors: [Item]?
        struct Item: Encodable {
            let field: String
            let code: String
            let message: String
        }
        enum CodingKeys: String, CodingKey {
            case type, title, status, code, detail, errors
            case requestID = "request_id"
        }
    }

    public func response(language: Language, requestID: String?) -> Response {
        let body = Body(
            type: "about:blank", title: Self.title(status, language), status: status.code, code: code,
            detail: detail.text(language), requestID: requestID,
            errors: errors.isEmpty
                ? nil : errors.map { .init(field: $0.field, code: $0.code, message: $0.message.text(language)) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data(#"{"status":500}"#.utf8)
        var headers = headers
        headers[.contentType] = "application/problem+json"
        headers[.contentLanguage] = language.rawValue
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func title(_ status: HTTPResponse.Status, _ language: Language) -> String {
        let titles: [Int: LocalizedText] = [
            400: .init("请求有误", "Bad request"), 401: .init("未登录", "Unauthorized"), 403: .init("无权操作", "Forbidden"),
            404: .init("未找到", "Not found"), 405: .init("不支持该方法", "Method not allowed"),
            409: .init("冲突", "Conflict"), 412: .init("版本已变化", "Precondition failed"),
            413: .init("请求内容过大", "Content too large"), 415: .init("不支持的内容类型", "Unsupported media type"),
            422: .init("数据无效", "Unprocessable content"), 428: .init("缺少前提条件", "Precondition required"),
            429: .init("请求过于频繁", "Too many requests"),
            500: .init("服务器内部错误", "Internal server error"), 503: .init("服务暂不可用", "Service unavailable"),
        ]
        return titles[status.code]?.text(language) ?? (language == .en ? status.reasonPhrase : "错误 \(status.code)")
    }

    // MARK: The problems the API raises

    static func validation(_ errors: [FieldProblem]) -> Problem {
        Problem(
            .unprocessableContent, code: "validation_failed",
            detail: .init("有 \(errors.count) 项数据无效", "\(errors.count) field(s) are invalid"), errors: errors)
    }

    static func badRequest(_ code: String, field: String, _ message: LocalizedText) -> Problem {
        Problem(.badRequest, code: code, detail: message, errors: [FieldProblem(field: field, code: code, message: message)])
    }

    static func notFound(_ what: LocalizedText) -> Problem {
        Problem(.notFound, code: "not_found", detail: what)
    }

    /// A StorageError in HTTP terms: the only place its codes become statuses.
    static func storage(_ error: StorageError) -> Problem {
        switch error.code {
        case .notFound:
            return Problem(.notFound, code: "not_found", detail: .init("记录不存在", "The record does not exist"))
        case .duplicate:
            let field = error.constraint.flatMap { name in ["phone", "external_id", "code", "email"].first { name.contains($0) } }
            let message = LocalizedText("该值已被使用", "This value is already taken")
            return Problem(
                .conflict, code: "duplicate", detail: message,
                errors: field.map { [FieldProblem(field: $0, code: "duplicate", message: message)] } ?? [])
        case .doubleBooking:
            return Problem(
                .conflict, code: "double_booking",
                detail: .init("志愿者在该时段已有安排：\(error.message)", "The volunteer is already booked then: \(error.message)"))
        case .slotFull:
            return Problem(.conflict, code: "slot_full", detail: .init("该班次人数已满", "The slot is already full"))
        case .staleVersion:
            return Problem(
                .preconditionFailed, code: "stale_version",
                detail: .init("记录已被他人修改，请重新读取后再试", "Someone else changed the record; reload and try again"))
        case .invalidReference:
            return Problem(
                .unprocessableContent, code: "invalid_reference",
                detail: .init("引用的记录不存在", "A referenced record does not exist"))
        case .invalidValue:
            return Problem(
                .unprocessableContent, code: "invalid_value",
                detail: .init("数据不符合规则：\(error.message)", "A value breaks a rule: \(error.message)"))
        case .forbidden:
            return Problem(.forbidden, code: "forbidden", detail: .init("无权进行此操作", "This is not allowed"))
        case .timedOut:
            return Problem(
                .serviceUnavailable, code: "query_timeout",
                detail: .init("查询用时过长，已停止；请缩小范围或稍后再试", "A query took too long and was stopped; narrow it or try again later"))
        case .unavailable:
            return Problem(
                .serviceUnavailable, code: "unavailable",
                detail: .init("数据库暂不可用，请稍后再试", "The database is unavailable; try again later"))
        case .careNotesKeyMissing, .careNotesUnreadable:
            // The message names the resident and the key, never the note.
            let parts = error.message.components(separatedBy: " / ")
            return Problem(
                .serviceUnavailable, code: "care_notes_unreadable",
                detail: .init(parts.first ?? error.message, parts.count > 1 ? parts[1] : error.message))
        default:
            return internalError
        }
    }

    /// A RosteringError in HTTP terms.
    static func rostering(_ error: RosteringError) -> Problem {
        let detail = LocalizedText(error.zh, error.en)
        let reasons = error.reasons.map {
            FieldProblem(field: "volunteer_id", code: "breaks_rule", message: .init($0.zh, $0.en))
        }
        if error.code == .notFound { return Problem(.notFound, code: "not_found", detail: detail) }
        if error.code == .invalidValue { return Problem(.unprocessableContent, code: "invalid_value", detail: detail) }
        if error.code == .noPublishedRoster { return Problem(.conflict, code: "no_published_roster", detail: detail) }
        if error.code == .notADraft { return Problem(.conflict, code: "not_a_draft", detail: detail) }
        if error.code == .breaksRule { return Problem(.conflict, code: "breaks_rule", detail: detail, errors: reasons) }
        if error.code == .infeasible { return Problem(.conflict, code: "infeasible", detail: detail) }
        return Problem(.unprocessableContent, code: "invalid_problem", detail: detail)
    }

    static let internalError = Problem(
        .internalServerError, code: "internal_error",
        detail: .init(
            "服务器出错了，请稍后再试；如仍出错请联系管理员并提供请求编号", "Something went wrong on the server; quote the request id when reporting it"))
}
