import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("Attendance and service hours")
struct AttendanceStoreTests {
    typealias T = SchedulingTime
    let week = SchedulingTime.date("2026-11-09")

    /// A published roster of `week` with `volunteers[i]` on a 120-minute slot of `kind` on day i.
    func publishedAssignments(
        _ world: SchedulingWorld, _ volunteers: [ID<Volunteer>], service: ID<ServiceType>? = nil
    ) async throws -> [Assignment] {
        var slots: [Slot] = []
        for i in volunteers.indices {
            slots.append(try await world.slot(T.at("2026-11-09", 9).addingTimeInterval(Double(i) * 86_400), service: service))
        }
        return try await world.tx { tx in
            let roster = try await RosterStore().createDraft(community: world.community, week: week, on: tx)
            var out: [Assignment] = []
            for (slot, volunteer) in zip(slots, volunteers) {
                out.append(
                    try await AssignmentStore().assign(
                        Assignment(rosterID: roster.id, slotID: slot.id, volunteerID: volunteer), on: tx))
            }
            _ = try await RosterStore().publish(roster.id, on: tx)
            return try await AssignmentStore().assignments(roster: roster.id, on: tx)
        }
    }

    @Test("recording and correcting attendance books the hours and the difference")
    func recordAndCorrect() async throws {
        try await SchedulingWorld.with { world in
            let volunteer = world.volunteers[0]
            let assignment = try #require(try await publishedAssignments(world, [volunteer]).first)
            let store = AttendanceStore()
            let attended = Attendance(
                assignmentID: assignment.id, status: .attended, minutes: 120, note: "准时到岗", recordedBy: world.coordinator)
            try await world.tx { tx in try await store.record(attended, on: tx) }
            #expect(try await world.tx { tx in try await store.attendance(assignment.id, on: tx) } == attended)
            #expect(try await world.tx { tx in try await store.attendance(roster: assignment.rosterID, on: tx) } == [attended])
            #expect(
                await schedulingErrorCode { try await world.tx { tx in try await store.record(attended, on: tx) } } == .duplicate)

            let late = Attendance(assignmentID: assignment.id, status: .late, minutes: 90, note: "迟到半小时")
            try await world.tx { tx in try await store.correct(late, on: tx) }
            #expect(try await world.tx { tx in try await store.attendance(assignment.id, on: tx) } == late)

            let (from, through) = (T.date("2026-11-01"), T.date("2026-11-30"))
            let entries = try await world.tx { tx in
                try await HoursReport().entries(volunteer: volunteer, from: from, through: through, on: tx)
            }
            #expect(entries.map(\.minutes) == [120, -30])
            #expect(entries.map(\.reason) == ["attendance", "attendance corrected"])
            #expect(
                entries.allSatisfy {
                    $0.servedAt == T.at("2026-11-09", 9) && $0.kind == .duty && $0.assignmentID == assignment.id
                })
            let totals = try await world.tx { tx in try await HoursReport().perVolunteer(from: from, through: through, on: tx) }
            #expect(totals == [HoursTotal(volunteerID: volunteer, minutes: 90, entries: 2)])
        }
    }

    @Test("attendance needs a live assignment, a matching status and minutes, and is not recorded twice across versions")
    func refusals() async throws {
        try await SchedulingWorld.with { world in
            let store = AttendanceStore()
            let slot = try await world.slot(T.at("2026-11-10", 9))
            let draft = try await world.tx { tx in
                try await RosterStore().createDraft(community: world.community, week: week, on: tx)
            }
            let pending = try await world.tx { tx in
                try await AssignmentStore().assign(
                    Assignment(rosterID: draft.id, slotID: slot.id, volunteerID: world.volunteers[0]), on: tx)
            }
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in
                        try await store.record(Attendance(assignmentID: pending.id, status: .attended, minutes: 60), on: tx)
                    }
                } == .invalidValue)
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in
                        try await store.record(Attendance(assignmentID: ID(), status: .attended, minutes: 60), on: tx)
                    }
                } == .notFound)
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in
                        try await store.correct(Attendance(assignmentID: pending.id, status: .absent, minutes: 0), on: tx)
                    }
                } == .notFound)
            #expect(
                await schedulingErrorCode { _ = try await world.tx { tx in try await store.attendance(pending.id, on: tx) } }
                    == .notFound)

            try await world.tx { tx in _ = try await RosterStore().publish(draft.id, on: tx) }
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in
                        try await store.record(Attendance(assignmentID: pending.id, status: .absent, minutes: 30), on: tx)
                    }
                } == .invalidValue)
            try await world.tx { tx in
                try await store.record(Attendance(assignmentID: pending.id, status: .attended, minutes: 120), on: tx)
            }
            // A later version of the week has the same person on the same slot: no second booking of hours.
            let next = try await world.tx { tx in
                let next = try await RosterStore().createDraft(community: world.community, week: week, on: tx)
                return try await RosterStore().publish(next.id, on: tx)
            }
            let copy = try #require(
                try await world.tx { tx in try await AssignmentStore().assignments(roster: next.id, on: tx) }.first)
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in
                        try await store.record(Attendance(assignmentID: copy.id, status: .attended, minutes: 120), on: tx)
                    }
                } == .duplicate)
            // An assignment with attendance stays: its hours are on the books.
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in try await AssignmentStore().unassign(pending.id, on: tx) }
                } == .invalidReference)
        }
    }

    @Test("service_hours is append-only: the application role can neither update nor delete, nor can the owner")
    func appendOnly() async throws {
        try await SchedulingWorld.with { world in
            let assignment = try #require(try await publishedAssignments(world, [world.volunteers[0]]).first)
            try await world.tx { tx in
                try await AttendanceStore().record(
                    Attendance(assignmentID: assignment.id, status: .attended, minutes: 120), on: tx)
            }
            #expect(
                await schedulingErrorCode {
                    try await world.tx { tx in _ = try await tx.execute("UPDATE service_hours SET minutes = 600") }
                }
                    == .forbidden)
            #expect(
                await schedulingErrorCode { try await world.tx { tx in _ = try await tx.execute("DELETE FROM service_hours") } }
                    == .forbidden)
            // The superuser owner meets the trigger.
            await #expect(throws: DatabaseError.self) {
                try await world.admin.execute("UPDATE service_hours SET minutes = 600")
            }
            let total = try await world.tx { tx in
                try await HoursReport().perVolunteer(from: T.date("2026-11-09"), through: T.date("2026-11-15"), on: tx)
            }
            #expect(total.map(\.minutes) == [120])
        }
    }

    @Test("hours per volunteer, patrol team and home grid over a period, by kind")
    func reports() async throws {
        try await SchedulingWorld.with(volunteers: 4) { world in
            let v = world.volunteers
            // Through attendance: v0 patrols Monday (120), v2 Tuesday (120).
            let patrols = try await publishedAssignments(world, [v[0], v[2]], service: world.patrol)
            try await world.tx { tx in
                for a in patrols {
                    try await AttendanceStore().record(Attendance(assignmentID: a.id, status: .attended, minutes: 120), on: tx)
                }
            }
            // Ledger entries straight from the books (as the owner): inside and just outside November.
            for (volunteer, day, hour, minutes, kind) in [
                (v[1], "2026-11-20", 9, 60, "patrol"), (v[3], "2026-11-30", 23, 45, "home_visit"),
                (v[1], "2026-12-01", 0, 500, "patrol"), (v[0], "2026-10-31", 23, 500, "duty"),
            ] {
                try await world.admin.execute(
                    """
                    INSERT INTO service_hours (community_id, volunteer_id, service_kind, served_at, minutes, reason)
                    VALUES (\(world.community), \(volunteer), \(kind)::service_kind, \(T.at(day, hour, 30)), \(minutes), '补录')
                    """)
            }
            let report = HoursReport()
            let (from, through) = (T.date("2026-11-01"), T.date("2026-11-30"))
            let perVolunteer = try await world.tx { tx in try await report.perVolunteer(from: from, through: through, on: tx) }
            #expect(
                perVolunteer
                    == [
                        HoursTotal(volunteerID: v[0], minutes: 120, entries: 1),
                        HoursTotal(volunteerID: v[2], minutes: 120, entries: 1),
                        HoursTotal(volunteerID: v[1], minutes: 60, entries: 1),
                        HoursTotal(volunteerID: v[3], minutes: 45, entries: 1),
                    ].sorted { ($0.minutes, $1.volunteerID) > ($1.minutes, $0.volunteerID) })
            let patrolOnly = try await world.tx { tx in
                try await report.perVolunteer(from: from, through: through, kind: .patrol, on: tx)
            }
            #expect(Set(patrolOnly.map(\.volunteerID)) == [v[0], v[1], v[2]])
            // The team is v0 (leader) and v1.
            let teams = try await world.tx { tx in try await report.perTeam(from: from, through: through, on: tx) }
            #expect(teams == [HoursReport.TeamTotal(teamID: world.team, minutes: 180, volunteers: 2)])
            // Grids: v0, v2 in G1; v1 in G2; v3 none.
            let grids = try await world.tx { tx in try await report.perGrid(from: from, through: through, on: tx) }
            #expect(
                grids == [
                    HoursReport.GridTotal(gridID: world.grids[0], minutes: 240, volunteers: 2),
                    HoursReport.GridTotal(gridID: world.grids[1], minutes: 60, volunteers: 1),
                    HoursReport.GridTotal(gridID: nil, minutes: 45, volunteers: 1),
                ])
            // The other community sees none of it.
            let theirs = try await world.store.transaction(world.otherScope) { tx in
                try await report.perVolunteer(from: from, through: through, on: tx)
            }
            #expect(theirs.isEmpty)
        }
    }
}
