import Foundation

/// A Swift value that can be read from a column in PostgreSQL's text output format.
public protocol PostgresDecodable: Sendable {
    /// Decodes non-NULL column text; nil when the text is not a valid value of this type.
    init?(postgresText: String)
    /// The value to use for SQL NULL; nil means NULL is an error for this type.
    static var postgresNull: Self? { get }
    /// A name for error messages ("Int", "UUID", …).
    static var postgresTypeName: String { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
    public static var postgresTypeName: String { String(describing: Self.self) }
}

/// Column names of a result, shared by all its rows.
final class ColumnLayout: Sendable {
    let names: [String]
    let indexByName: [String: Int]
    init(names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        self.indexByName = index
    }
}

/// One row of a result, read by column name into typed values.
public struct Row: Sendable {
    let layout: ColumnLayout
    let values: [String?]

    public var columnNames: [String] { layout.names }

    /// Raw text of a column (nil for NULL).
    public func text(_ column: String) throws -> String? {
        guard let index = layout.indexByName[column] else {
            throw DatabaseError(
                code: .decoding,
                message: "the result has no column '\(column)' (columns: \(layout.names.joined(separator: ", ")))")
        }
        return values[index]
    }

    /// The column decoded as `type`; the error names the column and the expected type.
    public func decode<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        guard let raw = try text(column) else {
            if let null = Value.postgresNull { return null }
            throw DatabaseError(
                code: .decoding, message: "column '\(column)' is NULL, expected \(Value.postgresTypeName)", column: column)
        }
        guard let value = Value(postgresText: raw) else {
            throw DatabaseError(
                code: .decoding,
                message: "column '\(column)' holds a value that is not a valid \(Value.postgresTypeName)",
                column: column)
        }
        return value
    }

    /// The column at `index` decoded as `type`.
    public func decode<Value: PostgresDecodable>(at index: Int, as type: Value.Type = Value.self) throws -> Value {
        guard values.indices.contains(index) else {
            throw DatabaseError(code: .decoding, message: "the result has no column number \(index)")
        }
        return try decode(layout.names[index], as: type)
    }
}

/// The outcome of a statement: its rows and, for writes, how many rows it touched.
public struct QueryResult: Sendable {
    public let rows: [Row]
    public let affectedRows: Int
    public let columnNames: [String]

    /// The only row, or nil; more than one row is an error.
    public func singleRow() throws -> Row? {
        guard rows.count <= 1 else {
            throw DatabaseError(code: .decoding, message: "expected at most one row, got \(rows.count)")
        }
        return rows.first
    }
}

extension String: PostgresDecodable {
    public init?(postgresText: String) { self = postgresText }
}
extension Int: PostgresDecodable {
    public init?(postgresText: String) { self.init(postgresText, radix: 10) }
}
extension Int64: PostgresDecodable {
    public init?(postgresText: String) { self.init(postgresText, radix: 10) }
}
extension Int32: PostgresDecodable {
    public init?(postgresText: String) { self.init(postgresText, radix: 10) }
}
extension Int16: PostgresDecodable {
    public init?(postgresText: String) { self.init(postgresText, radix: 10) }
}
extension Bool: PostgresDecodable {
    public init?(postgresText: String) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}
extension Double: PostgresDecodable {
    public init?(postgresText: String) {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default: self.init(postgresText)
        }
    }
}
extension UUID: PostgresDecodable {
    public init?(postgresText: String) { self.init(uuidString: postgresText) }
}
extension Date: PostgresDecodable {
    public init?(postgresText: String) {
        guard let date = PostgresTimestamp.parse(postgresText) else { return nil }
        self = date
    }
    public static var postgresTypeName: String { "timestamptz" }
}
extension Data: PostgresDecodable {
    /// bytea in the default hex output format (`\x0a1b`).
    public init?(postgresText: String) {
        let utf8 = Array(postgresText.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            return nil
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i < utf8.count {
            guard let hi = hexValue(utf8[i]), let lo = hexValue(utf8[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        self.init(bytes)
    }
    public static var postgresTypeName: String { "bytea" }
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresText: String) {
        guard let wrapped = Wrapped(postgresText: postgresText) else { return nil }
        self = .some(wrapped)
    }
    public static var postgresNull: Wrapped?? { .some(nil) }
    public static var postgresTypeName: String { "\(Wrapped.postgresTypeName)?" }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// A one-dimensional array in text form (`{1,2,NULL}`, `{"a b","c\"d"}`).
    public init?(postgresText: String) {
        guard let items = PostgresArrayText.parse(postgresText) else { return nil }
        var out: [Element] = []
        out.reserveCapacity(items.count)
        for item in items {
            if let item {
                guard let value = Element(postgresText: item) else { return nil }
                out.append(value)
            } else {
                guard let null = Element.postgresNull else { return nil }
                out.append(null)
            }
        }
        self = out
    }
    public static var postgresTypeName: String { "[\(Element.postgresTypeName)]" }
}

extension PostgresJSON: PostgresDecodable {
    public init?(postgresText: String) {
        guard let value = try? JSONDecoder().decode(Value.self, from: Data(postgresText.utf8)) else { return nil }
        self.init(decoded: value, text: postgresText)
    }
    public static var postgresTypeName: String { "JSON of \(Value.self)" }
}

/// Parser for PostgreSQL's one-dimensional array text format.
enum PostgresArrayText {
    static func parse(_ text: String) -> [String?]? {
        var chars = Array(text.unicodeScalars)[...]
        // An explicit bounds decoration ("[0:2]={…}") is not produced for ordinary arrays.
        guard chars.first == "{", chars.last == "}" else { return nil }
        chars = chars.dropFirst().dropLast()
        var items: [String?] = []
        if chars.isEmpty { return items }
        var i = chars.startIndex
        while i <= chars.endIndex {
            if i == chars.endIndex { return nil }
            if chars[i] == "\"" {
                var value = String.UnicodeScalarView()
                i += 1
                while true {
                    guard i < chars.endIndex else { return nil }
                    let c = chars[i]
                    if c == "\\" {
                        i += 1
                        guard i < chars.endIndex else { return nil }
                        value.append(chars[i])
                    } else if c == "\"" {
                        i += 1
                        break
                    } else {
                        value.append(c)
                    }
                    i += 1
                }
                items.append(String(value))
            } else {
                var value = String.UnicodeScalarView()
                while i < chars.endIndex, chars[i] != "," {
                    if chars[i] == "{" { return nil }  // multi-dimensional arrays are not supported
                    value.append(chars[i])
                    i += 1
                }
                let s = String(value)
                items.append(s == "NULL" ? nil : s)
            }
            if i == chars.endIndex { break }
            guard chars[i] == "," else { return nil }
            i += 1
        }
        return items
    }
}
