import CLibPQ
import Foundation

extension Connection {
    /// Runs `query` through a server-side cursor and hands its rows to `consume` in batches of
    /// `batchSize`, so a large result (a year of a sub-district's shifts) never sits in memory
    /// at once. Unlike `copyOut` the query takes bound parameters and rows decode as usual.
    ///
    /// A cursor lives in a transaction: call this inside `transaction` (or `Store.transaction`).
    /// The cursor is closed before returning, also when `consume` throws.
    /// Returns the number of rows read.
    @discardableResult
    public func forEachBatch(
        of query: SQLQuery, batchSize: Int = 500, _ consume: ([Row]) async throws -> Void
    ) async throws -> Int {
        precondition(batchSize > 0, "a batch holds at least one row")
        let inTransaction = try await withHandle { conn in PQtransactionStatus(conn) == PQTRANS_INTRANS }
        guard inTransaction else {
            throw DatabaseError(
                code: .invalidParameter,
                message: "a cursor needs a transaction: call forEachBatch inside transaction { … }", query: query.sql)
        }
        let name = "linli_cursor_" + String(UInt64.random(in: 1...UInt64.max), radix: 16)
        try await self.execute("DECLARE \(identifier: name) NO SCROLL CURSOR FOR " + query)
        var total = 0
        do {
            while true {
                let batch = try await self.query("FETCH FORWARD \(unsafeCount: batchSize) FROM \(identifier: name)").rows
                total += batch.count
                if !batch.isEmpty { try await consume(batch) }
                if batch.count < batchSize { break }
            }
        } catch {
            _ = try? await self.execute("CLOSE \(identifier: name)")
            throw error
        }
        try await self.execute("CLOSE \(identifier: name)")
        return total
    }
}

extension SQLQuery.StringInterpolation {
    /// A whole number written into the text (FETCH's count cannot be a parameter).
    mutating func appendInterpolation(unsafeCount count: Int) {
        appendLiteral(String(count))
    }
}
