import Testing

@testable import LinliDatabase

@Suite("Connection loss")
struct ConnectionLossTests {
    // A backend that died while its connection sat idle in the pool (PostgreSQL stopped with
    // `-m immediate`) answers the next statement with a result libpq made itself, without a
    // SQLSTATE, while PQstatus still says CONNECTION_OK. Found by Benchmarks/load-faults.sh:
    // such statements were a server error (a 500 from the service) instead of a lost
    // connection (503, and the connection dropped from the pool).
    @Test("a failed statement without a SQLSTATE is a lost connection, one with a SQLSTATE a server error")
    func resultWithoutSQLState() {
        #expect(Connection.failureCode(sqlState: nil) == .connectionClosed)
        #expect(Connection.failureCode(sqlState: SQLState.uniqueViolation) == .server)
        #expect(Connection.failureCode(sqlState: SQLState.adminShutdown) == .server)
        let lost = DatabaseError(
            code: Connection.failureCode(sqlState: nil), message: "server closed the connection unexpectedly")
        #expect(lost.isConnectionFailure)
    }
}
