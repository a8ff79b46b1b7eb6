import Foundation
import HTTPTypes
import Hummingbird
import LinliExport
import NIOCore

/// A response body written while the export runs: the writers hand their chunks (about 64 KiB)
/// to `sink`, and `flush` sends what has gathered after each batch of rows from the cursor, so
/// nothing holds the whole export.
final class BodyStream {
    private var writer: any ResponseBodyWriter
    private var pending: [Data] = []

    init(_ writer: any ResponseBodyWriter) { self.writer = writer }

    /// Where a writer's chunks go until the next `flush`.
    var sink: ExportSink { ExportSink { [unowned self] data in self.pending.append(data) } }

    func flush() async throws {
        let chunks = pending
        pending.removeAll()
        for chunk in chunks { try await writer.write(ByteBuffer(bytes: chunk)) }
    }

    /// Sends a file (an XLSX workbook zipped into a temporary file) in 64 KiB pieces.
    func send(file: URL) async throws {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        while let data = try handle.read(upToCount: 64 * 1024), !data.isEmpty {
            try await writer.write(ByteBuffer(bytes: data))
        }
    }

    func finish() async throws {
        try await flush()
        try await writer.finish(nil)
    }
}

/// The formats of a downloadable table.
enum DownloadFormat: String, CaseIterable {
    case csv, xlsx, json

    var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .json: "application/json; charset=utf-8"
        }
    }

    /// `?format=` (csv when absent); a 400 naming the parameter otherwise.
    static func from(_ request: Request, allowed: [DownloadFormat] = allCases) throws -> DownloadFormat {
        guard let raw = request.uri.queryParameters["format"] else { return .csv }
        guard let format = DownloadFormat(rawValue: String(raw).lowercased()), allowed.contains(format) else {
            let names = allowed.map(\.rawValue).joined(separator: ", ")
            throw Problem.badRequest("invalid_value", field: "format", .init("须为 \(names) 之一", "must be one of \(names)"))
        }
        return format
    }

    /// A response that streams a table: `produce` writes the rows with the writer it is given
    /// (inside its own transaction) and calls `flush` after each batch. CSV and JSON are sent as
    /// the rows arrive, so the status line goes out first: a failure midway cuts the transfer
    /// off (no final chunk), which is what a client sees of it. An XLSX workbook is zipped into a
    /// temporary file before anything is sent (it could not be sent earlier anyway), so a
    /// failure while it is made (the database gone, the pool exhausted, a statement timeout) is
    /// answered with its problem (503) instead of a 200 cut off; the file is removed once the
    /// response is done with.
    func response(
        fileName: String, timeZone: TimeZone,
        _ produce: @escaping @Sendable (any TableWriter, _ flush: () async throws -> Void) async throws -> Void
    ) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentDisposition] = ContentDisposition.attachment(fileName, extension: rawValue)
        headers[.cacheControl] = "no-store"
        if self == .xlsx {
            let file = TemporaryFile(
                FileManager.default.temporaryDirectory
                    .appendingPathComponent("linli-download-\(UUID().uuidString.lowercased()).xlsx"))
            try await produce(try XLSXWriter(destination: file.url, timeZone: timeZone)) {}
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    let stream = BodyStream(writer)
                    try await stream.send(file: file.url)
                    try await stream.finish()
                })
        }
        let format = self
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let stream = BodyStream(writer)
                if format == .json {
                    try await produce(JSONRowsWriter(sink: stream.sink, timeZone: timeZone)) { try await stream.flush() }
                } else {
                    try await produce(CSVWriter(sink: stream.sink, timeZone: timeZone)) { try await stream.flush() }
                }
                try await stream.finish()
            })
    }
}

/// A file removed when the last reference to it goes: the response that sends it may be
/// dropped unsent (the client went away), and the file must not stay behind.
final class TemporaryFile: Sendable {
    let url: URL

    init(_ url: URL) { self.url = url }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// `Content-Disposition: attachment` with a file name no client can misread: the plain
/// `filename` is ASCII letters, digits, `-` and `_` before its extension; `filename*` (RFC
/// 5987/6266) keeps Chinese letters, percent-encoded UTF-8. Everything else (`/`, `\`, dots,
/// quotes, semicolons, spaces, control characters) becomes `_`, so no name leaves the folder.
enum ContentDisposition {
    static func attachment(_ name: String, extension ext: String) -> String {
        let base = safeName(name)
        let ascii = collapse(String(String.UnicodeScalarView(base.unicodeScalars.map { isASCIISafe($0) ? $0 : "_" })))
            .trimmingCharacters(in: CharacterSet(charactersIn: "_-"))
        let plain = (ascii.isEmpty || ascii.allSatisfy({ $0 == "_" }) ? "linli" : ascii) + "." + ext
        let full = base + "." + ext
        return "attachment; filename=\"\(plain)\"; filename*=UTF-8''\(percentEncoded(full))"
    }

    /// Letters, digits, `-` and `_` of `name` (others `_`, runs of them one), no leading or
    /// trailing `_` or `-`, at most 80 characters; "linli" when nothing is left.
    static func safeName(_ name: String) -> String {
        let kept = name.unicodeScalars.map { scalar -> Unicode.Scalar in
            let properties = scalar.properties
            if scalar.isASCII { return isASCIISafe(scalar) ? scalar : "_" }
            return properties.isAlphabetic || properties.numericType != nil ? scalar : "_"
        }
        let text = collapse(String(String.UnicodeScalarView(kept.prefix(80))))
            .trimmingCharacters(in: CharacterSet(charactersIn: "_-"))
        return text.isEmpty ? "linli" : text
    }

    static func isASCIISafe(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "-" || scalar == "_"
    }

    /// One `_` for a run of them, and none beside a `-`.
    static func collapse(_ text: String) -> String {
        var text = text
        for (run, one) in [("__", "_"), ("-_", "-"), ("_-", "-")] {
            while text.contains(run) { text = text.replacingOccurrences(of: run, with: one) }
        }
        return text
    }

    /// RFC 5987 `value-chars`: letters, digits, `-_.` as they are, every other byte of the UTF-8
    /// as %XX.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, isASCIISafe(scalar) || scalar == "." {
                out.unicodeScalars.append(scalar)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}

/// The language a page is asked for: `?lang=en` or `?lang=zh-CN`, else `Accept-Language`.
extension Language {
    init(page request: Request) {
        switch request.uri.queryParameters["lang"].map({ String($0).lowercased() }) {
        case "en"?: self = .en
        case "zh"?, "zh-cn"?: self = .zh
        default: self.init(acceptLanguage: request.headers[.acceptLanguage])
        }
    }
}
