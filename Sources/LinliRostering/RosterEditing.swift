import Foundation
import LinliDatabase
import LinliDomain
import LinliScheduler
import LinliStorage

/// A volunteer who could take a slot, with what it would cost: the coordinator's ranked list
/// when picking a replacement by hand.
public struct VolunteerSuggestion: Sendable, Hashable, Codable {
    public var volunteerID: ID<Volunteer>
    public var name: String
    /// False when taking the slot would break a hard rule (`wouldBreak` says which).
    public var allowed: Bool
    /// Change of the roster's soft penalty if they took it (negative is better).
    public var softDelta: Int
    public var wouldBreak: [String]
}

extension RosterSolving {
    /// People ranked for `slot` in roster version `id`, allowed ones first and cheapest first,
    /// judged by the scheduler against the community's data as it is now.
    public func suggest(
        roster id: ID<Roster>, slot: ID<LinliDomain.Slot>, limit: Int = 10, on tx: Connection
    ) async throws -> [VolunteerSuggestion] {
        let (week, assignments) = try await loadVersion(id, on: tx)
        guard week.problem.slots.contains(where: { $0.id == WeekProblem.slotID(slot) }) else {
            throw RosteringError(
                code: .notFound, zh: "该班次不在这一周的排班中（或已取消）", en: "the slot is not in this week's roster (or is cancelled)")
        }
        let suggestions = try Explainer.suggest(
            problem: week.problem, assignments: WeekProblem.schedulerAssignments(assignments),
            slot: WeekProblem.slotID(slot), limit: limit)
        return suggestions.compactMap { s in
            guard let volunteer = WeekProblem.volunteerID(s.person) else { return nil }
            return VolunteerSuggestion(
                volunteerID: volunteer, name: s.name, allowed: s.hardDelta == 0, softDelta: s.softDelta,
                wouldBreak: s.wouldBreak)
        }
    }

    /// Puts a volunteer on a slot of a draft by hand, optionally pinned (the scheduler then keeps
    /// it). Refused with the reasons in words when it would break a hard rule (`.breaksRule`),
    /// and for a version that is not a draft (`.notADraft`).
    public func assign(
        roster id: ID<Roster>, slot: ID<LinliDomain.Slot>, volunteer: ID<Volunteer>, pinReason: String?,
        by user: ID<User>?, on tx: Connection
    ) async throws -> LinliDomain.Assignment {
        let roster = try await Self.draft(id, on: tx)
        let (week, assignments) = try await loadVersion(id, on: tx)
        let person = WeekProblem.personID(volunteer)
        guard week.problem.people.contains(where: { $0.id == person }) else {
            _ = try await VolunteerStore().volunteer(volunteer, on: tx)
            throw RosteringError(
                code: .breaksRule, zh: "该志愿者未在服务（已停用）", en: "the volunteer is not active")
        }
        guard week.problem.slots.contains(where: { $0.id == WeekProblem.slotID(slot) }) else {
            throw RosteringError(
                code: .notFound, zh: "该班次不在这一周的排班中（或已取消）", en: "the slot is not in this week's roster (or is cancelled)")
        }
        let current = WeekProblem.schedulerAssignments(assignments)
        let zh = try Explainer.whyNot(
            problem: week.problem(in: .zh), assignments: current, slot: WeekProblem.slotID(slot), person: person,
            language: .zh)
        if !zh.rules.isEmpty {
            let en = try Explainer.whyNot(
                problem: week.problem(in: .en), assignments: current, slot: WeekProblem.slotID(slot), person: person,
                language: .en)
            var error = RosteringError(
                code: .breaksRule, zh: "\(zh.name) 不能担任该班次：\(zh.reasons.joined(separator: "；"))",
                en: "\(en.name) cannot take this slot: \(en.reasons.joined(separator: "; "))")
            error.reasons = Array(zip(zh.reasons, en.reasons)).map { (zh: $0.0, en: $0.1) }
            throw error
        }
        let trimmed = pinReason?.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await AssignmentStore().assign(
            LinliDomain.Assignment(
                rosterID: roster.id, slotID: slot, volunteerID: volunteer, isPinned: trimmed?.isEmpty == false,
                reason: trimmed?.isEmpty == false ? trimmed : nil),
            createdBy: user, on: tx)
    }

    /// Takes an assignment off a draft.
    public func unassign(_ assignment: ID<LinliDomain.Assignment>, roster id: ID<Roster>, on tx: Connection) async throws {
        _ = try await Self.draft(id, on: tx)
        let existing = try await AssignmentStore().assignment(assignment, on: tx)
        guard existing.rosterID == id else { throw StorageError.notFound("assignment \(assignment)") }
        try await AssignmentStore().unassign(assignment, on: tx)
    }

    /// Pins (with a reason) or unpins an assignment of a draft.
    public func setPinned(
        _ assignment: ID<LinliDomain.Assignment>, roster id: ID<Roster>, reason: String?, on tx: Connection
    ) async throws -> LinliDomain.Assignment {
        _ = try await Self.draft(id, on: tx)
        let existing = try await AssignmentStore().assignment(assignment, on: tx)
        guard existing.rosterID == id else { throw StorageError.notFound("assignment \(assignment)") }
        if let reason { return try await AssignmentStore().pin(assignment, reason: reason, on: tx) }
        return try await AssignmentStore().unpin(assignment, on: tx)
    }

    // MARK: - Internals

    /// The roster version `id` if it is a draft.
    static func draft(_ id: ID<Roster>, on tx: Connection) async throws -> Roster {
        let roster = try await RosterStore().roster(id, on: tx)
        guard roster.state == .draft else {
            throw RosteringError(
                code: .notADraft, zh: "第 \(roster.version) 版已是“\(roster.state.rawValue)”状态，只能修改草稿",
                en: "version \(roster.version) is \(roster.state.rawValue); only a draft can be changed")
        }
        return roster
    }

    /// The week of roster version `id` as the scheduler sees it, with the version's assignments.
    func loadVersion(
        _ id: ID<Roster>, on tx: Connection
    ) async throws -> (WeekProblem, [LinliDomain.Assignment]) {
        let roster = try await RosterStore().roster(id, on: tx)
        let week = try await loader.load(community: roster.communityID, week: roster.weekStart, pins: .none, on: tx)
        return (week, try await AssignmentStore().assignments(roster: id, on: tx))
    }
}
