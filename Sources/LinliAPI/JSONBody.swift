import Foundation
import HTTPTypes
import Hummingbird

/// A request body type that names its fields, so that a field the API does not know is refused
/// instead of silently dropped.
protocol KnownFields: Decodable {
    static var fieldNames: Set<String> { get }
    /// The fields holding objects (or arrays of objects) with known fields of their own, so
    /// an unknown field inside them is refused too, named by its path (`windows[1].stat`).
    static var nestedFields: [String: any KnownFields.Type] { get }
}

extension KnownFields {
    static var nestedFields: [String: any KnownFields.Type] { [:] }

    /// The paths of fields in `object` that `Self` (and its nested types) do not know.
    static func unknownPaths(in object: [String: Any], prefix: String = "") -> [String] {
        var unknown = Set(object.keys).subtracting(fieldNames).sorted().map { prefix + $0 }
        for (key, type) in nestedFields.sorted(by: { $0.key < $1.key }) {
            if let inner = object[key] as? [String: Any] {
                unknown += type.unknownPaths(in: inner, prefix: prefix + key + ".")
            } else if let items = object[key] as? [Any] {
                for (index, item) in items.enumerated() {
                    guard let inner = item as? [String: Any] else { continue }
                    unknown += type.unknownPaths(in: inner, prefix: prefix + "\(key)[\(index)].")
                }
            }
        }
        return unknown
    }
}

/// Reads a JSON request body into `T`, answering every way it can be wrong with a problem that
/// names the field. Written by hand because Hummingbird's decoding gives a bare 400 without the
/// field, lets unknown fields through and checks no content type.
enum JSONBody {
    static func read<T: KnownFields>(
        _ type: T.Type, from request: Request, maxBytes: Int, mergePatch: Bool = false
    ) async throws -> T {
        let contentType = request.headers[.contentType]
        let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        let accepted = mergePatch ? ["application/json", "application/merge-patch+json"] : ["application/json"]
        if let mediaType, !accepted.contains(mediaType) {
            throw Problem(
                .unsupportedMediaType, code: "unsupported_media_type",
                detail: .init(
                    "请求内容须为 \(accepted.joined(separator: " 或 "))，收到的是 \(mediaType)",
                    "The body must be \(accepted.joined(separator: " or ")), not \(mediaType)"))
        }
        let buffer = try await request.body.collect(upTo: maxBytes)
        guard buffer.readableBytes > 0 else {
            throw Problem.badRequest("missing_body", field: "", .init("缺少请求内容（JSON 对象）", "The request needs a JSON object body"))
        }
        guard mediaType != nil else {
            throw Problem(
                .unsupportedMediaType, code: "unsupported_media_type",
                detail: .init("请注明 Content-Type: application/json", "Say Content-Type: application/json"))
        }
        let data = Data(buffer.readableBytesView)
        guard let parsed = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw Problem.badRequest(
                "malformed_json", field: "", .init("请求内容不是有效的 JSON", "The body is not valid JSON"))
        }
        guard let object = parsed as? [String: Any] else {
            throw Problem.badRequest(
                "malformed_json", field: "", .init("请求内容须为 JSON 对象", "The body must be a JSON object"))
        }
        let unknown = T.unknownPaths(in: object)
        guard unknown.isEmpty else {
            throw Problem(
                .badRequest, code: "unknown_field",
                detail: .init(
                    "包含未知字段：\(unknown.joined(separator: ", "))", "Unknown field(s): \(unknown.joined(separator: ", "))"),
                errors: unknown.map {
                    FieldProblem(field: $0, code: "unknown_field", message: .init("未知字段", "This field does not exist"))
                })
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw problem(error)
        }
    }

    /// The decoding error as a 400 naming the field by its JSON path (`groups[1]`).
    static func problem(_ error: DecodingError) -> Problem {
        func path(_ keys: [any CodingKey]) -> String {
            keys.reduce("") { path, key in
                if let index = key.intValue { return path + "[\(index)]" }
                return path.isEmpty ? key.stringValue : path + "." + key.stringValue
            }
        }
        let field: String
        let code: String
        let message: LocalizedText
        switch error {
        case .keyNotFound(let key, let context):
            field = path(context.codingPath + [key])
            code = "required"
            message = .init("必填", "This field is required")
        case .valueNotFound(let type, let context):
            field = path(context.codingPath)
            code = "required"
            message = .init("不能为 null", "This field may not be null (expected \(type))")
        case .typeMismatch(let type, let context):
            field = path(context.codingPath)
            code = "wrong_type"
            message = .init("类型不对，应为\(typeName(type).zh)", "Wrong type: expected \(typeName(type).en)")
        case .dataCorrupted(let context):
            field = path(context.codingPath)
            code = "invalid_value"
            message = .init("取值无效", "This value is not allowed: \(context.debugDescription)")
        @unknown default:
            field = ""
            code = "invalid_value"
            message = .init("请求内容无效", "The body is invalid")
        }
        return Problem(
            .badRequest, code: code, detail: .init("字段 \(field)：\(message.zh)", "Field \(field): \(message.en)"),
            errors: [FieldProblem(field: field, code: code, message: message)])
    }

    static func typeName(_ type: Any.Type) -> LocalizedText {
        switch type {
        case is String.Type: .init("文本", "a string")
        case is Int.Type: .init("整数", "an integer")
        case is Bool.Type: .init("true 或 false", "true or false")
        case is [Any].Type: .init("数组", "an array")
        default: .init("\(type)", "\(type)")
        }
    }
}

/// A field of a merge patch: left out, set to null, or given a value.
enum PatchField<Value: Sendable>: Sendable {
    case absent, null
    case value(Value)
}

extension KeyedDecodingContainer {
    func patchField<Value: Decodable>(_ key: Key) throws -> PatchField<Value> {
        guard contains(key) else { return .absent }
        if try decodeNil(forKey: key) { return .null }
        return .value(try decode(Value.self, forKey: key))
    }
}

/// Checks values the decoder cannot (lengths in Unicode scalars, patterns, ranges) and collects
/// every failure with its field, so one answer names them all.
struct Validation {
    var problems: [FieldProblem] = []

    mutating func fail(_ field: String, _ code: String, _ zh: String, _ en: String) {
        problems.append(FieldProblem(field: field, code: code, message: .init(zh, en)))
    }

    /// Non-empty (not only spaces) and at most `max` Unicode scalars.
    mutating func name(_ field: String, _ value: String, max: Int = 50) {
        if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            fail(field, "empty", "不能为空", "may not be empty")
        } else {
            text(field, value, max: max)
        }
    }

    /// At most `max` Unicode scalars (汉字 count one each), no control characters.
    mutating func text(_ field: String, _ value: String?, max: Int) {
        guard let value else { return }
        let count = value.unicodeScalars.count
        if count > max {
            fail(field, "too_long", "最多 \(max) 个字，现有 \(count) 个", "at most \(max) characters, got \(count)")
        } else if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) {
            fail(field, "invalid_characters", "含有控制字符", "contains control characters")
        }
    }

    /// A mainland mobile number (11 digits starting 13–19); with `landline`, also an area code
    /// and number (0 and 9–11 more digits) or a local 7–8 digit number. Digits only.
    mutating func phone(_ field: String, _ value: String?, landline: Bool = false) {
        guard let value else { return }
        let digits = Array(value.unicodeScalars)
        let allDigits = !digits.isEmpty && digits.allSatisfy { ("0"..."9").contains($0) }
        let mobile = allDigits && digits.count == 11 && digits[0] == "1" && ("3"..."9").contains(digits[1])
        let fixed =
            allDigits
            && (digits[0] == "0" ? (10...12).contains(digits.count) : (7...8).contains(digits.count) && digits[0] != "1")
        if mobile || (landline && fixed) { return }
        if landline {
            fail(field, "pattern", "须为手机号码或带区号的固定电话（只含数字）", "must be a mobile or landline number, digits only")
        } else {
            fail(field, "pattern", "须为 11 位手机号码（1 开头）", "must be an 11-digit mobile number starting with 1")
        }
    }

    mutating func email(_ field: String, _ value: String?) {
        guard let value else { return }
        text(field, value, max: 100)
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        if parts.count != 2 || parts[0].isEmpty || !parts[1].contains(".") {
            fail(field, "pattern", "不是有效的电子邮件地址", "is not an e-mail address")
        }
    }

    mutating func range(_ field: String, _ value: Int?, _ range: ClosedRange<Int>) {
        guard let value, !range.contains(value) else { return }
        fail(
            field, "out_of_range", "须在 \(range.lowerBound) 到 \(range.upperBound) 之间",
            "must be between \(range.lowerBound) and \(range.upperBound)")
    }

    /// A field of a patch that may not be cleared.
    mutating func notNull<Value>(_ field: String, _ value: PatchField<Value>) {
        if case .null = value { fail(field, "required", "不能为 null", "may not be null") }
    }

    func check() throws {
        if !problems.isEmpty { throw Problem.validation(problems) }
    }
}
