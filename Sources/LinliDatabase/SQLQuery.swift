import Foundation

/// A SQL statement whose values travel as bound parameters (`$1…$n`), never inside the text.
///
/// Build one from a string literal with interpolation: every interpolated value becomes a
/// parameter. `\(identifier: name)` quotes an identifier; `\(fragment)` splices another query.
///
///     let q: SQLQuery = "SELECT id FROM grids WHERE community_id = \(communityID) AND name = \(name)"
public struct SQLQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Part: Sendable {
        case text(String)
        case binding(PostgresBinding)
    }
    var parts: [Part]

    public init(stringLiteral value: String) { parts = [.text(value)] }
    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    /// A query from text that is not a literal in the code (a migration file, say).
    /// The text is trusted as it is: never pass anything a user typed.
    public init(unsafeSQL sql: String) { parts = [.text(sql)] }

    /// The SQL with `$n` placeholders, as sent to the server.
    public var sql: String {
        var out = ""
        var index = 0
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .binding:
                index += 1
                out += "$\(index)"
            }
        }
        return out
    }

    /// The parameters in placeholder order.
    public var bindings: [PostgresBinding] {
        parts.compactMap { if case .binding(let b) = $0 { return b } else { return nil } }
    }

    /// The SQL text only; values are left out so they never reach a log.
    public var description: String { sql }

    public static func + (lhs: SQLQuery, rhs: SQLQuery) -> SQLQuery {
        var out = lhs
        out.parts += rhs.parts
        return out
    }

    /// Builds the interpolated parts of a `SQLQuery`.
    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var parts: [Part] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        public mutating func appendLiteral(_ literal: String) { parts.append(.text(literal)) }
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            parts.append(.binding(PostgresBinding(value)))
        }
        /// An optional value: nil is sent as SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            parts.append(.binding(PostgresBinding(value)))
        }
        /// A quoted SQL identifier (table, column, channel or database name).
        public mutating func appendInterpolation(identifier: String) {
            parts.append(.text(SQLQuery.quoteIdentifier(identifier)))
        }
        /// Another query spliced in; its bindings keep their order.
        public mutating func appendInterpolation(_ fragment: SQLQuery) { parts += fragment.parts }
    }

    /// Quotes an identifier the way PostgreSQL expects ("a""b").
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// One bound parameter: its text form (nil for NULL) and the type the server should read it as.
public struct PostgresBinding: Sendable {
    public let text: String?
    public let typeOID: UInt32
    public init<Value: PostgresEncodable>(_ value: Value) {
        text = value.postgresText
        typeOID = Value.postgresTypeOID
    }
}

/// A Swift value that can be sent as a query parameter in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The value in PostgreSQL's text input format; nil sends SQL NULL.
    var postgresText: String? { get }
    /// The parameter's type OID; 0 lets the server infer it from the context.
    static var postgresTypeOID: UInt32 { get }
}

/// Well-known type OIDs (from pg_type.h).
enum TypeOID {
    static let unknown: UInt32 = 0
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let text: UInt32 = 25
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    static let boolArray: UInt32 = 1000
    static let int2Array: UInt32 = 1005
    static let int4Array: UInt32 = 1007
    static let textArray: UInt32 = 1009
    static let int8Array: UInt32 = 1016
    static let float8Array: UInt32 = 1022
    static let timestamptz: UInt32 = 1184
    static let timestamptzArray: UInt32 = 1185
    static let uuid: UInt32 = 2950
    static let uuidArray: UInt32 = 2951
    static let jsonb: UInt32 = 3802
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
    public static var postgresTypeOID: UInt32 { TypeOID.unknown }
}
extension Substring: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresTypeOID: UInt32 { TypeOID.unknown }
}
extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresTypeOID: UInt32 { TypeOID.int8 }
}
extension Int64: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresTypeOID: UInt32 { TypeOID.int8 }
}
extension Int32: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresTypeOID: UInt32 { TypeOID.int4 }
}
extension Int16: PostgresEncodable {
    public var postgresText: String? { String(self) }
    public static var postgresTypeOID: UInt32 { TypeOID.int2 }
}
extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "t" : "f" }
    public static var postgresTypeOID: UInt32 { TypeOID.bool }
}
extension Double: PostgresEncodable {
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return "\(self)"
    }
    public static var postgresTypeOID: UInt32 { TypeOID.float8 }
}
extension UUID: PostgresEncodable {
    public var postgresText: String? { uuidString.lowercased() }
    public static var postgresTypeOID: UInt32 { TypeOID.uuid }
}
extension Date: PostgresEncodable {
    public var postgresText: String? { PostgresTimestamp.format(self) }
    public static var postgresTypeOID: UInt32 { TypeOID.timestamptz }
}
extension Data: PostgresEncodable {
    public var postgresText: String? { "\\x" + map { String(format: "%02x", $0) }.joined() }
    public static var postgresTypeOID: UInt32 { TypeOID.bytea }
}
extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
    public static var postgresTypeOID: UInt32 { Wrapped.postgresTypeOID }
}

/// Element types that have a PostgreSQL array type.
public protocol PostgresArrayElement: PostgresEncodable {
    static var postgresArrayTypeOID: UInt32 { get }
}
extension String: PostgresArrayElement { public static var postgresArrayTypeOID: UInt32 { TypeOID.textArray } }
extension Int: PostgresArrayElement { public static var postgresArrayTypeOID: UInt32 { TypeOID.int8Array } }
extension Int64: PostgresArrayElement { public static var postgresArrayTypeOID: UInt32 { TypeOID.int8Array } }
extension Int32: PostgresArrayElement { public static var postgresArrayTypeOID: UInt32 { TypeOID.int4Array } }
extension Bool: PostgresArrayElement { public static var postgresArrayTypeOID: UInt32 { TypeOID.boolArray } }
extension Double: PostgresArrayElement { public static var postgresArrayTypeOID: UInt32 { TypeOID.float8Array } }
extension UUID: PostgresArrayElement { public static var postgresArrayTypeOID: UInt32 { TypeOID.uuidArray } }
extension Date: PostgresArrayElement { public static var postgresArrayTypeOID: UInt32 { TypeOID.timestamptzArray } }
extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public static var postgresArrayTypeOID: UInt32 { Wrapped.postgresArrayTypeOID }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    /// One-dimensional array literal: every element quoted, NULL for nil.
    public var postgresText: String? {
        var out = "{"
        for (i, element) in enumerated() {
            if i > 0 { out += "," }
            if let text = element.postgresText {
                out += "\""
                for ch in text {
                    if ch == "\"" || ch == "\\" { out.append("\\") }
                    out.append(ch)
                }
                out += "\""
            } else {
                out += "NULL"
            }
        }
        return out + "}"
    }
    public static var postgresTypeOID: UInt32 { Element.postgresArrayTypeOID }
}

/// A `Codable` value stored as `jsonb`.
public struct PostgresJSON<Value: Codable & Sendable>: Sendable, PostgresEncodable {
    public let value: Value
    private let encoded: String

    /// Encodes `value` at once, so an unencodable value fails here and never becomes NULL.
    public init(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.value = value
        self.encoded = String(decoding: try encoder.encode(value), as: UTF8.self)
    }
    init(decoded value: Value, text: String) {
        self.value = value
        self.encoded = text
    }
    public var postgresText: String? { encoded }
    public static var postgresTypeOID: UInt32 { TypeOID.jsonb }
}
