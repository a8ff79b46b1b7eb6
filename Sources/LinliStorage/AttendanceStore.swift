import Foundation
import LinliDatabase
import LinliDomain

/// Attendance per live assignment (attended / absent / late, with minutes). Recording or
/// correcting it books the difference in the append-only `service_hours` ledger (a database
/// trigger). All SQL for `attendance` is here.
public struct AttendanceStore: Sendable {
    public init() {}

    /// Records attendance for a live assignment. Recording it twice is `.duplicate` (correct it
    /// instead), as is recording the same volunteer on the same slot through another roster
    /// version; an assignment that is not live is `.invalidValue`.
    public func record(_ attendance: Attendance, on tx: Connection) async throws {
        let inserted = try await tx.execute(
            """
            INSERT INTO attendance (assignment_id, community_id, status, minutes, note, recorded_by)
            SELECT a.id, a.community_id, \(attendance.status), \(attendance.minutes), \(attendance.note),
                   \(attendance.recordedBy)
            FROM assignments a
            WHERE a.id = \(attendance.assignmentID) AND a.is_live
              AND NOT EXISTS (
                  SELECT 1 FROM attendance t JOIN assignments o ON o.id = t.assignment_id
                  WHERE o.slot_id = a.slot_id AND o.volunteer_id = a.volunteer_id AND o.id <> a.id)
            """)
        guard inserted == 0 else { return }
        guard
            let row = try await tx.query("SELECT is_live FROM assignments WHERE id = \(attendance.assignmentID)").rows
                .first
        else { throw StorageError.notFound("assignment \(attendance.assignmentID)") }
        if try !row.decode("is_live", as: Bool.self) {
            throw StorageError(
                code: .invalidValue,
                message: "assignment \(attendance.assignmentID) is not live (not in the published roster)")
        }
        throw StorageError(
            code: .duplicate,
            message: "attendance for this volunteer on this slot is already recorded under another roster version")
    }

    /// Changes recorded attendance; the ledger gets a correcting entry for the difference.
    public func correct(_ attendance: Attendance, on tx: Connection) async throws {
        let changed = try await tx.execute(
            """
            UPDATE attendance SET status = \(attendance.status), minutes = \(attendance.minutes),
                note = \(attendance.note), recorded_by = \(attendance.recordedBy), recorded_at = now()
            WHERE assignment_id = \(attendance.assignmentID)
            """)
        if changed == 0 { throw StorageError.notFound("attendance for assignment \(attendance.assignmentID)") }
    }

    public func attendance(_ assignment: ID<Assignment>, on tx: Connection) async throws -> Attendance {
        guard
            let row = try await tx.query("SELECT \(Self.columns) FROM attendance t WHERE t.assignment_id = \(assignment)")
                .rows.first
        else { throw StorageError.notFound("attendance for assignment \(assignment)") }
        return try Self.attendance(row)
    }

    /// Attendance recorded for a roster version's assignments, by slot start time.
    public func attendance(roster: ID<Roster>, on tx: Connection) async throws -> [Attendance] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM attendance t JOIN assignments a ON a.id = t.assignment_id
            WHERE a.roster_id = \(roster) ORDER BY lower(a.during), a.volunteer_id
            """
        ).rows.map(Self.attendance)
    }

    static let columns: SQLQuery = "t.assignment_id, t.status, t.minutes, t.note, t.recorded_by"

    static func attendance(_ row: Row) throws -> Attendance {
        Attendance(
            assignmentID: try row.decode("assignment_id"), status: try row.decode("status"),
            minutes: try row.decode("minutes"), note: try row.decode("note"), recordedBy: try row.decode("recorded_by"))
    }
}
