import Foundation
import LinliDatabase
import LinliDomain
import LinliScheduler
import LinliStorage

/// What a swap of two people's shifts did: the version it changed (a draft; for a published
/// week a new draft copied from it, which the caller publishes) and the two new assignments.
public struct SwapResult: Sendable, Hashable {
    public var roster: Roster
    /// True when the swapped week was published and `roster` is a new draft made for the swap.
    public var madeDraft: Bool
    public var first: LinliDomain.Assignment
    public var second: LinliDomain.Assignment
}

extension RosterSolving {
    /// Swaps the shifts of two assignments of one roster version (a patrol leader trading two
    /// members' patrols): the first's volunteer takes the second's slot and the other way round.
    /// The scheduler judges both new assignments as it judges a hand edit (`assign`), so a swap
    /// that would break a hard rule is refused (`.breaksRule`) with the reasons of both people.
    /// A draft is changed in place; a published week gets a new draft copied from the published
    /// version with the swap made in it (the caller publishes it in the same transaction, so the
    /// people affected are told). With `team`, both slots must be that patrol team's.
    ///
    /// Call in a transaction whose scope sees the whole community's week (the scheduler needs
    /// every slot and volunteer to judge a double booking or a weekly limit); the caller checks
    /// who may swap what and passes `team` to keep a patrol leader to their own team.
    public func swap(
        _ firstID: ID<LinliDomain.Assignment>, _ secondID: ID<LinliDomain.Assignment>, team: ID<PatrolTeam>?,
        by user: ID<User>?, on tx: Connection
    ) async throws -> SwapResult {
        let assignments = AssignmentStore()
        let first = try await assignments.assignment(firstID, on: tx)
        let second = try await assignments.assignment(secondID, on: tx)
        guard first.rosterID == second.rosterID else {
            throw RosteringError(code: .invalidValue, zh: "两个班次不在同一版排班中", en: "the two shifts are not in the same roster version")
        }
        guard first.slotID != second.slotID, first.volunteerID != second.volunteerID else {
            throw RosteringError(
                code: .invalidValue, zh: "请选择两个不同队员的不同班次", en: "choose two different shifts of two different people")
        }
        let slots = SlotStore()
        for slotID in [first.slotID, second.slotID] {
            let slot = try await slots.slot(slotID, on: tx)
            if let team, slot.teamID != team {
                throw RosteringError(code: .notFound, zh: "该班次不属于本巡逻队", en: "the shift is not one of this patrol team's")
            }
        }
        var roster = try await RosterStore().roster(first.rosterID, on: tx)
        var madeDraft = false
        var a = first, b = second
        switch roster.state {
        case .draft:
            break
        case .published:
            roster = try await RosterStore().createDraft(
                community: roster.communityID, week: roster.weekStart, copyingPublished: true, createdBy: user, on: tx)
            madeDraft = true
            let copied = try await assignments.assignments(roster: roster.id, on: tx)
            guard
                let ca = copied.first(where: { $0.slotID == first.slotID && $0.volunteerID == first.volunteerID }),
                let cb = copied.first(where: { $0.slotID == second.slotID && $0.volunteerID == second.volunteerID })
            else {
                throw RosteringError(
                    code: .invalidValue, zh: "该班次已开始或已取消，不能再调换", en: "the shift has started or is cancelled and cannot be swapped"
                )
            }
            a = ca
            b = cb
        case .superseded:
            throw RosteringError(
                code: .notADraft, zh: "第 \(roster.version) 版已被替代，请在最新版本上调换",
                en: "version \(roster.version) is superseded; swap on the newest version")
        }
        let (week, stored) = try await loadVersion(roster.id, on: tx)
        let rest = WeekProblem.schedulerAssignments(stored.filter { $0.id != a.id && $0.id != b.id })
        let personA = WeekProblem.personID(a.volunteerID), personB = WeekProblem.personID(b.volunteerID)
        let slotA = WeekProblem.slotID(a.slotID), slotB = WeekProblem.slotID(b.slotID)
        guard week.problem.slots.contains(where: { $0.id == slotA }), week.problem.slots.contains(where: { $0.id == slotB })
        else {
            throw RosteringError(
                code: .invalidValue, zh: "该班次已开始或已取消，不能再调换", en: "the shift has started or is cancelled and cannot be swapped")
        }
        guard week.problem.people.contains(where: { $0.id == personA }), week.problem.people.contains(where: { $0.id == personB })
        else {
            throw RosteringError(code: .breaksRule, zh: "有队员已停用，不能排班", en: "a member is not active and cannot be rostered")
        }
        // Each new assignment is judged with the other already made, so together they break nothing.
        var reasons: [(zh: String, en: String)] = []
        // `whyNot` judges a person as if not yet on the slot, so someone already on the other
        // slot (a leader on every patrol) is caught here.
        for (person, slot) in [(personA, slotB), (personB, slotA)] where rest.contains(.init(person: person, slot: slot)) {
            let name = week.problem.people.first { $0.id == person }?.name ?? person.rawValue
            reasons.append((zh: "\(name) 已在另一个班次中", en: "\(name) is already on the other shift"))
        }
        let checks =
            reasons.isEmpty
            ? [
                (personA, slotB, rest + [LinliScheduler.Assignment(person: personB, slot: slotA)]),
                (personB, slotA, rest + [LinliScheduler.Assignment(person: personA, slot: slotB)]),
            ] : []
        for (person, slot, others) in checks {
            let zh = try Explainer.whyNot(
                problem: week.problem(in: .zh), assignments: others, slot: slot, person: person, language: .zh)
            guard !zh.rules.isEmpty else { continue }
            let en = try Explainer.whyNot(
                problem: week.problem(in: .en), assignments: others, slot: slot, person: person, language: .en)
            reasons += zip(zh.reasons, en.reasons).map { (zh: "\(zh.name)：\($0.0)", en: "\(en.name): \($0.1)") }
        }
        if !reasons.isEmpty {
            var error = RosteringError(
                code: .breaksRule, zh: "不能调换：\(reasons.map(\.zh).joined(separator: "；"))",
                en: "cannot swap: \(reasons.map(\.en).joined(separator: "; "))")
            error.reasons = reasons
            throw error
        }
        try await assignments.unassign(a.id, on: tx)
        try await assignments.unassign(b.id, on: tx)
        let newA = try await assignments.assign(
            LinliDomain.Assignment(
                rosterID: roster.id, slotID: b.slotID, volunteerID: a.volunteerID, isPinned: b.isPinned, reason: b.reason),
            createdBy: user, on: tx)
        let newB = try await assignments.assign(
            LinliDomain.Assignment(
                rosterID: roster.id, slotID: a.slotID, volunteerID: b.volunteerID, isPinned: a.isPinned, reason: a.reason),
            createdBy: user, on: tx)
        return SwapResult(roster: roster, madeDraft: madeDraft, first: newA, second: newB)
    }
}
