import CLibPQ
import Foundation

extension Connection {
    /// Runs `COPY … TO STDOUT` and hands the data to `consume` in chunks of whole rows
    /// (about 256 KiB each), so large exports stream instead of loading into memory.
    ///
    /// COPY takes no bound parameters: pass a statement whose text is fixed, and narrow it with
    /// session settings (`set_config`) or a temporary table when it needs a value.
    /// Returns the number of rows copied.
    @discardableResult
    public func copyOut(_ query: SQLQuery, _ consume: ([UInt8]) async throws -> Void) async throws -> Int {
        let sql = try await startCopy(query, expecting: .out)
        var rows = 0
        while true {
            let chunk: CopyChunk = try await withHandle { conn in try Connection.readCopyChunk(conn, sql: sql) }
            rows += chunk.rows
            if !chunk.bytes.isEmpty {
                do {
                    try await consume(chunk.bytes)
                } catch {
                    // The server is still sending; this session can't be reused safely.
                    markBroken()
                    throw error
                }
            }
            if chunk.finished { return rows }
        }
    }

    private enum CopyDirection: Sendable {
        case `in`, out
    }

    /// Sends a COPY statement and checks the server switched to the expected direction;
    /// otherwise reports the server's error. Returns the statement's text.
    private func startCopy(_ query: SQLQuery, expecting direction: CopyDirection) async throws -> String {
        guard query.bindings.isEmpty else {
            throw DatabaseError(code: .invalidParameter, message: "COPY cannot take bound parameters", query: query.sql)
        }
        let sql = query.sql
        try await withHandle { conn in
            guard let result = PQexec(conn, sql) else {
                _ = try Connection.collect(nil, connection: conn, sql: sql)
                return
            }
            guard PQresultStatus(result) == (direction == .out ? PGRES_COPY_OUT : PGRES_COPY_IN) else {
                // Not the expected COPY: report the server's error (collect clears the result).
                _ = try Connection.collect(result, connection: conn, sql: sql)
                throw DatabaseError(
                    code: .copyFailed,
                    message: direction == .out
                        ? "the statement is not a COPY … TO STDOUT" : "the statement is not a COPY … FROM STDIN",
                    query: sql)
            }
            PQclear(result)
        }
        return sql
    }

    private struct CopyChunk: Sendable {
        var bytes: [UInt8] = []
        var rows = 0
        var finished = false
    }

    private static func readCopyChunk(_ conn: OpaquePointer, sql: String) throws -> CopyChunk {
        var chunk = CopyChunk()
        chunk.bytes.reserveCapacity(300_000)
        while chunk.bytes.count < 256 * 1024 {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(conn, &buffer, 0)
            if length > 0, let buffer {
                buffer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                    chunk.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(length)))
                }
                PQfreemem(buffer)
                chunk.rows += 1
            } else if length == -1 {
                try finishCopy(conn, sql: sql)
                chunk.finished = true
                return chunk
            } else {
                throw DatabaseError(
                    code: .copyFailed,
                    message: String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines),
                    query: sql)
            }
        }
        return chunk
    }

    /// Reads the results that close a COPY; throws the server's error if it failed.
    private static func finishCopy(_ conn: OpaquePointer, sql: String) throws {
        var failure: (any Error)?
        while let result = PQgetResult(conn) {
            do {
                _ = try collect(result, connection: conn, sql: sql)
            } catch {
                if failure == nil { failure = error }
            }
        }
        if let failure { throw failure }
    }

    /// Runs `COPY … FROM STDIN`; `produce` writes the data through the writer. If `produce`
    /// throws, the COPY is aborted and nothing it wrote is kept. Returns the rows copied.
    @discardableResult
    public func copyIn(_ query: SQLQuery, _ produce: (CopyInWriter) async throws -> Void) async throws -> Int {
        let sql = try await startCopy(query, expecting: .in)
        let writer = CopyInWriter(connection: self, sql: sql)
        do {
            try await produce(writer)
            try await writer.flush()
        } catch {
            let reason = "aborted by the client"
            _ = try? await withHandle { conn in
                _ = PQputCopyEnd(conn, reason)
                _ = try? Connection.finishCopy(conn, sql: sql)
            }
            throw error
        }
        return try await withHandle { conn in
            guard PQputCopyEnd(conn, nil) == 1 else {
                throw DatabaseError(
                    code: .copyFailed,
                    message: String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines),
                    query: sql)
            }
            var rows = 0
            var failure: (any Error)?
            while let result = PQgetResult(conn) {
                do {
                    rows += try Connection.collect(result, connection: conn, sql: sql).affectedRows
                } catch {
                    if failure == nil { failure = error }
                }
            }
            if let failure { throw failure }
            return rows
        }
    }

    fileprivate func putCopyData(_ bytes: [UInt8], sql: String) async throws {
        try await withHandle { conn in
            let status = bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) }
            }
            guard status == 1 else {
                throw DatabaseError(
                    code: .copyFailed,
                    message: String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines),
                    query: sql)
            }
        }
    }
}

/// Buffers data for a `COPY … FROM STDIN` and sends it in large pieces.
public final class CopyInWriter {
    private let connection: Connection
    private let sql: String
    private var buffer: [UInt8] = []
    private static let flushThreshold = 256 * 1024

    fileprivate init(connection: Connection, sql: String) {
        self.connection = connection
        self.sql = sql
        buffer.reserveCapacity(Self.flushThreshold + 4096)
    }

    /// Appends raw bytes in the COPY's format.
    public func write(_ bytes: some Sequence<UInt8>) async throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try await flush() }
    }

    /// Appends one row in COPY's default text format (tab-separated, `\N` for NULL), escaping
    /// backslashes, tabs and line breaks inside values.
    public func writeRow(_ fields: [String?]) async throws {
        for (i, field) in fields.enumerated() {
            if i > 0 { buffer.append(9) }
            guard let field else {
                buffer.append(contentsOf: [92, 78])  // \N
                continue
            }
            for byte in field.utf8 {
                switch byte {
                case 92: buffer.append(contentsOf: [92, 92])
                case 9: buffer.append(contentsOf: [92, 116])
                case 10: buffer.append(contentsOf: [92, 110])
                case 13: buffer.append(contentsOf: [92, 114])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(10)
        if buffer.count >= Self.flushThreshold { try await flush() }
    }

    func flush() async throws {
        guard !buffer.isEmpty else { return }
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        try await connection.putCopyData(pending, sql: sql)
    }
}
