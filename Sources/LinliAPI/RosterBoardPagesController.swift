import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliExport
import LinliReminders
import LinliRostering
import LinliStorage
import LinliWeb

/// The coordinator's roster board (issue #7), `/app/roster?week=2026-W48`: a week's grid (days
/// across, slots down, grouped by service kind and grid) with who is on each slot, slots short
/// of people and pinned assignments marked by colour and by symbol and words; the latest solve
/// run with its progress (the page refreshes itself while it runs, no script); why each short
/// slot is short; a chosen slot's ranked replacements; and plain forms (POST-redirect-GET,
/// CSRF token) to solve, assign, take off, pin, publish after seeing what changed, copy the
/// published version to a draft, and re-plan after someone drops out. Every change goes
/// through the same LinliRostering / ReminderPlanner calls as the JSON API.
struct RosterBoardPagesController: Sendable {
    let authenticator: Authenticator
    let store: Store
    let pages: Result<WebPages, any Error>
    let maxBodyBytes: Int

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/app/roster") { request, _ in try await StaffPage.respond { try await board(request) } }
        for action in Action.allCases {
            router.post(RouterPath("/app/roster/\(action.rawValue)")) { request, context in
                try await StaffPage.respond { try await post(action, request, context) }
            }
        }
    }

    /// The board's forms, each posted to `/app/roster/<raw value>`.
    enum Action: String, CaseIterable, Sendable {
        case solve, cancel, assign, unassign, pin, unpin, publish, draft, replan
    }

    /// What the board is asked to show: the week, a version, a chosen slot, a notice after a
    /// change, and (after a refused form) the form's errors and kept input.
    struct View {
        var week: LocalDate
        var version: Int?
        var slot: ID<LinliDomain.Slot>?
        /// The one service kind and grid shown (`BoardGroup.key`); nil: as `BoardGroup.shown` decides.
        var group: String?
        var notice: String?
        var errors: [String: String] = [:]
        var kept: [String: String] = [:]
        var status: HTTPResponse.Status = .ok
    }

    // MARK: - GET

    func board(_ request: Request) async throws -> Response {
        let page = try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .rosters, .read)
        let query = request.uri.queryParameters
        let today = LocalDate(Date(), in: page.zone)
        var view = View(week: today.weekStart.adding(days: 7))
        if let raw = query["week"] {
            if let week = LocalDate(isoWeek: String(raw)) {
                view.week = week
            } else {
                view.errors["week"] = WebStrings.board("weekInvalid", page.language)
                view.kept["week"] = String(raw)
                view.status = .badRequest
            }
        }
        view.version = query["version"].flatMap { Int(String($0)) }
        view.slot = query["slot"].flatMap { ID<LinliDomain.Slot>(uuidString: String($0)) }
        view.group = query["group"].map(String.init)
        view.notice = query["notice"].map(String.init).flatMap { key in
            WebStrings.board["notice.\(key)"] == nil ? nil : WebStrings.board("notice.\(key)", page.language)
        }
        return try await render(page, view)
    }

    /// The board as `view` asks, with `status`.
    func render(_ page: StaffPage, _ view: View) async throws -> Response {
        let language = page.language
        let solving = RosterSolving(store: store)
        let data = try await store.transaction(page.scope) { tx in
            let versions = try await RosterSolving.versions(community: page.community.id, week: view.week, on: tx)
            let summary =
                view.version.flatMap { n in versions.first { $0.version == n } } ?? versions.max { $0.version < $1.version }
            let roster = try await summary.asyncMap { try await RosterStore().roster($0.id, on: tx) }
            var lines: [RosterLine] = []
            var assignments: [LinliDomain.Assignment] = []
            var unfilled: [UnfilledSlot] = []
            var suggestions: [VolunteerSuggestion] = []
            var changes: RosterChanges?
            var groups: [BoardGroup] = []
            var shown: String?
            var allLines: [RosterLine] = []
            if let roster {
                try await ExportQueries().rosterLines(roster, on: tx) { lines += $0 }
                assignments = try await AssignmentStore().assignments(roster: roster.id, on: tx)
                groups = BoardGroup.groups(lines)
                shown = BoardGroup.shown(groups, asked: view.group, slot: view.slot)
                allLines = lines
                if let shown { lines = lines.filter { BoardGroup.key($0) == shown } }
                // Only the short slots on the page are explained (each costs a look at every volunteer).
                let short = Set(groups.filter { shown == nil || $0.key == shown }.flatMap(\.short))
                if !short.isEmpty {
                    unfilled = (try? await solving.explain(roster: roster.id, only: short, on: tx)) ?? []
                }
                if let slot = view.slot, roster.state == .draft,
                    lines.contains(where: { $0.slotID == slot && !$0.isCancelled })
                {
                    suggestions = (try? await solving.suggest(roster: roster.id, slot: slot, limit: 8, on: tx)) ?? []
                }
                if roster.state == .draft, let published = versions.first(where: { $0.state == .published }) {
                    changes = try await RosterSolving.changes(from: published.id, to: roster.id, on: tx)
                }
            }
            let run = try await RosterSolving.runs(community: page.community.id, week: view.week, limit: 1, on: tx).first
            var publishedVolunteers: [(ID<Volunteer>, String)] = []
            if let published = versions.first(where: { $0.state == .published }) {
                var seen = Set<ID<Volunteer>>()
                func collect(_ batch: [RosterLine]) {
                    for line in batch {
                        if let v = line.volunteer, seen.insert(v.id).inserted { publishedVolunteers.append((v.id, v.name)) }
                    }
                }
                if roster?.id == published.id {
                    collect(allLines)
                } else {
                    let publishedRoster = try await RosterStore().roster(published.id, on: tx)
                    try await ExportQueries().rosterLines(publishedRoster, on: tx) { collect($0) }
                }
            }
            return BoardData(
                versions: versions, roster: roster, lines: lines, assignments: assignments, unfilled: unfilled,
                suggestions: suggestions, changes: changes, run: run,
                publishedVolunteers: publishedVolunteers.sorted { $0.1 < $1.1 }, groups: groups, shownGroup: shown)
        }
        var values = BoardModel(page: page, view: view, data: data).values()
        values["b"] = WebStrings.boardTable(language)
        let html = try pages.get().render(
            "roster-board", title: "\(WebStrings.board("boardTitle", language)) · \(view.week.isoWeekName)", values: values,
            language: language)
        var response = htmlResponse(html, language: language)
        response.status = view.status
        return response
    }

    /// What one board page is made of.
    struct BoardData {
        var versions: [RosterVersionSummary]
        var roster: Roster?
        var lines: [RosterLine]
        var assignments: [LinliDomain.Assignment]
        var unfilled: [UnfilledSlot]
        var suggestions: [VolunteerSuggestion]
        var changes: RosterChanges?
        var run: SolveRun?
        var publishedVolunteers: [(ID<Volunteer>, String)]
        /// Every service kind and grid of the week, and the one shown (nil: all).
        var groups: [BoardGroup]
        var shownGroup: String?
    }

    // MARK: - POST

    func post(_ action: Action, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let page = try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .rosters, .write)
        let form = try await page.form(request, maxBytes: maxBodyBytes)
        let language = page.language
        guard let week = form["week"].flatMap({ LocalDate(isoWeek: $0) }) else {
            var view = View(week: LocalDate(Date(), in: page.zone).weekStart)
            view.errors["week"] = WebStrings.board("weekInvalid", language)
            view.kept["week"] = form["week"] ?? ""
            view.status = .unprocessableContent
            return try await render(page, view)
        }
        var view = View(week: week)
        view.version = form["version"].flatMap { Int($0) }
        view.slot = form["slot"].flatMap { ID<LinliDomain.Slot>(uuidString: $0) }
        let roster = form["roster"].flatMap { ID<Roster>(uuidString: $0) }
        let user = page.user.user.id
        let solving = RosterSolving(store: store)
        do {
            switch action {
            case .solve:
                let text = (form["seconds"] ?? "").trimmingCharacters(in: .whitespaces)
                guard let seconds = Int(text), (1...600).contains(seconds) else {
                    view.errors["seconds"] = WebStrings.board("secondsInvalid", language)
                    view.kept["seconds"] = text
                    view.status = .unprocessableContent
                    return try await render(page, view)
                }
                _ = try await store.transaction(page.scope) { tx in
                    try await RosterSolving.enqueueSolve(
                        community: page.community.id, week: week, seconds: Double(seconds), requestedBy: user, on: tx)
                }
                view.version = nil
                return redirect(page, view, notice: "solving")
            case .cancel:
                guard let run = form["run"].flatMap({ ID<SolveRun>(uuidString: $0) }) else { throw Self.badForm }
                _ = try await store.transaction(page.scope) { tx in try await RosterSolving.cancel(run: run, on: tx) }
                return redirect(page, view, notice: "cancelled")
            case .assign:
                guard let roster, let slot = view.slot,
                    let volunteer = form["volunteer"].flatMap({ ID<Volunteer>(uuidString: $0) })
                else { throw Self.badForm }
                _ = try await store.transaction(page.scope) { tx in
                    try await solving.assign(roster: roster, slot: slot, volunteer: volunteer, pinReason: nil, by: user, on: tx)
                }
                return redirect(page, view, notice: "assigned")
            case .unassign:
                guard let roster, let assignment = form["assignment"].flatMap({ ID<LinliDomain.Assignment>(uuidString: $0) })
                else { throw Self.badForm }
                try await store.transaction(page.scope) { tx in
                    try await solving.unassign(assignment, roster: roster, on: tx)
                }
                return redirect(page, view, notice: "unassigned")
            case .pin, .unpin:
                guard let roster, let assignment = form["assignment"].flatMap({ ID<LinliDomain.Assignment>(uuidString: $0) })
                else { throw Self.badForm }
                var reason: String?
                if action == .pin {
                    let given = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                    reason = String((given.isEmpty ? WebStrings.board("pinReasonDefault", language) : given).prefix(200))
                }
                _ = try await store.transaction(page.scope) { tx in
                    try await solving.setPinned(assignment, roster: roster, reason: reason, on: tx)
                }
                return redirect(page, view, notice: action == .pin ? "pinned" : "unpinned")
            case .publish:
                guard let roster else { throw Self.badForm }
                let published = try await store.transaction(page.scope) { tx in
                    let draft = try await RosterStore().roster(roster, on: tx)
                    guard draft.state == .draft else {
                        throw RosteringError(
                            code: .notADraft,
                            message: "第 \(draft.version) 版不是草稿，只能发布草稿 / version \(draft.version) is not a draft")
                    }
                    return try await ReminderPlanner().publish(roster, by: user, on: tx).0
                }
                view.version = published.version
                return redirect(page, view, notice: "published")
            case .draft:
                let draft = try await store.transaction(page.scope) { tx in
                    try await RosterStore().createDraft(
                        community: page.community.id, week: week, copyingPublished: true, createdBy: user, on: tx)
                }
                view.version = draft.version
                return redirect(page, view, notice: "copied")
            case .replan:
                return try await replan(page, form, view)
            }
        } catch let error as RosteringError {
            view.errors[Self.errorField(action)] = Self.message(error, language)
            view.kept = form
            view.status = error.code == .notFound ? .notFound : .unprocessableContent
            return try await render(page, view)
        } catch let error as StorageError where error.code != .failed && error.code != .unavailable {
            view.errors[Self.errorField(action)] = error.message
            view.kept = form
            view.status = error.code == .notFound ? .notFound : .conflict
            return try await render(page, view)
        }
    }

    func replan(_ page: StaffPage, _ form: [String: String], _ view: View) async throws -> Response {
        var view = view
        let language = page.language
        let volunteer = form["volunteer"].flatMap { ID<Volunteer>(uuidString: $0) }
        let from = form["from"].flatMap { LocalDate(iso: $0.trimmingCharacters(in: .whitespaces)) }
        let untilText = (form["until"] ?? "").trimmingCharacters(in: .whitespaces)
        let until = untilText.isEmpty ? nil : LocalDate(iso: untilText)
        if volunteer == nil { view.errors["replanVolunteer"] = WebStrings.board("volunteerMissing", language) }
        if from == nil { view.errors["replanFrom"] = WebStrings.board("dateInvalid", language) }
        if !untilText.isEmpty, until == nil { view.errors["replanUntil"] = WebStrings.board("dateInvalid", language) }
        if let from, let until, until <= from { view.errors["replanUntil"] = WebStrings.board("untilInvalid", language) }
        let reason = form["reason"].flatMap(AbsenceReason.init(rawValue:)) ?? .ill
        guard view.errors.isEmpty, let volunteer, let from else {
            view.kept = form
            view.status = .unprocessableContent
            return try await render(page, view)
        }
        let result = try await RosterSolving(store: store).replan(
            community: page.community.id, week: view.week, unavailable: volunteer, from: from.startOfDay(in: page.zone),
            until: until?.startOfDay(in: page.zone), reason: reason, note: nil, requestedBy: page.user.user.id, seconds: 3)
        view.version = result.draft.version
        return redirect(page, view, notice: "replanned")
    }

    func redirect(_ page: StaffPage, _ view: View, notice: String) -> Response {
        var path = "/app/roster?week=\(view.week.isoWeekName)&\(page.query)&notice=\(notice)"
        if let version = view.version { path += "&version=\(version)" }
        if let slot = view.slot { path += "&slot=\(slot)#slot-panel" }
        return StaffPage.seeOther(path)
    }

    /// The start page's links to the roster board (coordinators) and the team page (patrol
    /// leaders, and coordinators), one per community.
    static func homeLinks(_ assignments: [RoleAssignment], _ language: PageLanguage) -> [[String: String]] {
        var links: [[String: String]] = []
        let lang = "lang=\(language.rawValue)"
        for a in assignments {
            guard let code = a.communityCode else { continue }
            let community = "community=\(StaffPage.encode(code))"
            switch a.grant.role {
            case .coordinator:
                links.append([
                    "href": "/app/roster?\(community)&\(lang)", "id": "link-roster-\(code)",
                    "label": "\(WebStrings.board("boardTitle", language)) · \(code)",
                ])
                links.append([
                    "href": "/app/team?\(community)&\(lang)", "id": "link-team-\(code)",
                    "label": "\(WebStrings.board("teamTitle", language)) · \(code)",
                ])
            case .patrolLeader:
                let team = a.grant.teamID.map { "&team=\($0)" } ?? ""
                links.append([
                    "href": "/app/team?\(community)\(team)&\(lang)", "id": "link-team-\(code)",
                    "label": [WebStrings.board("teamTitle", language), a.teamName ?? code].joined(separator: " · "),
                ])
            default:
                continue
            }
        }
        return links
    }

    static let badForm = Problem.badRequest(
        "invalid_form", field: "form", .init("表单内容不完整，请返回看板重试", "The form is incomplete; go back to the board and try again"))

    /// Where a refused form's error is shown: next to that form.
    static func errorField(_ action: Action) -> String {
        switch action {
        case .solve, .cancel: "solve"
        case .assign, .unassign, .pin, .unpin: "slot"
        case .publish, .draft: "publish"
        case .replan: "replan"
        }
    }

    static func message(_ error: RosteringError, _ language: PageLanguage) -> String {
        if !error.reasons.isEmpty {
            return error.reasons.map { language == .en ? $0.en : $0.zh }.joined(separator: language == .en ? "; " : "；")
        }
        return language == .en ? error.en : error.zh
    }
}

/// The board's template values, built from what was read.
struct BoardModel {
    let page: StaffPage
    let view: RosterBoardPagesController.View
    let data: RosterBoardPagesController.BoardData

    var language: PageLanguage { page.language }

    func text(_ key: String, _ values: [String: String] = [:]) -> String { WebStrings.board(key, language, values) }

    func values() -> [String: Any] {
        let week = view.week
        let weekName = week.isoWeekName
        let base = "/app/roster?\(page.query)"
        var values: [String: Any] = [
            "csrf": page.csrf, "community": page.community.name, "communityCode": page.community.code,
            "week": weekName, "weekInput": view.kept["week"] ?? weekName,
            "weekError": view.errors["week"] ?? "",
            "from": week.description, "through": week.adding(days: 6).description,
            "prevHref": "\(base)&week=\(week.adding(days: -7).isoWeekName)",
            "nextHref": "\(base)&week=\(week.adding(days: 7).isoWeekName)",
            "homeHref": "/app?lang=\(language.rawValue)",
            "otherLangHref":
                "/app/roster?community=\(StaffPage.encode(page.community.code))&week=\(weekName)&lang=\(language == .en ? "zh-CN" : "en")",
            "otherLanguageName": language == .en ? "中文" : "English", "otherLang": language == .en ? "zh-CN" : "en",
            "notice": view.notice ?? "",
            "lang": language.rawValue,
        ]
        values["versions"] = data.versions.sorted { $0.version < $1.version }.map { v -> [String: Any] in
            [
                "label": "\(text("versionN", ["n": "\(v.version)"]))（\(WebStrings.text(v.state.rawValue, language))）",
                "href": "\(base)&week=\(weekName)&version=\(v.version)", "current": v.id == data.roster?.id,
                "unfilled": v.score.map { "\($0.unfilled)" } ?? "",
            ]
        }
        values["hasRoster"] = data.roster != nil
        if let roster = data.roster {
            values["rosterID"] = roster.id.description
            values["version"] = roster.version
            values["showing"] =
                "\(text("versionN", ["n": "\(roster.version)"]))（\(WebStrings.text(roster.state.rawValue, language))）"
            values["isDraft"] = roster.state == .draft
            values["isPublished"] = roster.state == .published
        }
        values["days"] = (0..<7).map { offset -> [String: String] in
            let day = week.adding(days: offset)
            return ["name": RosterSheet.weekdayName(day.isoWeekday, language), "date": day.description]
        }
        values["groups"] = groups()
        values["groupTabs"] = groupTabs()
        values["hasGroupTabs"] = data.shownGroup != nil
        values["groupsIntro"] = text("groupsIntro", ["n": "\(data.groups.reduce(0) { $0 + $1.slotIDs.count })"])
        if let run = run() { values["run"] = run }
        values["seconds"] = view.kept["seconds"] ?? "10"
        values["solveError"] = view.errors["seconds"] ?? view.errors["solve"] ?? ""
        values["unfilled"] = data.unfilled.map { u -> [String: Any] in
            [
                "id": "why-\(u.slotID)",
                "title": "\(slotTitle(u.start, u.end, language == .en ? u.serviceNameEn : u.serviceNameZh))",
                "missing": text("unfilledMark", ["n": "\(u.missing)"]),
                "reason": language == .en ? u.textEn : u.textZh,
                "href": "\(base)&week=\(weekName)&version=\(data.roster?.version ?? 0)&slot=\(u.slotID)#slot-panel",
            ]
        }
        var shown: Set<String> = ["week", "seconds", "solve"]
        if let panel = slotPanel() {
            values["slotPanel"] = panel
            shown.insert("slot")
        }
        if let panel = publishPanel() {
            values["publish"] = panel
            shown.insert("publish")
        }
        if let panel = replanPanel() {
            values["replan"] = panel
            shown.formUnion(["replan", "replanVolunteer", "replanFrom", "replanUntil"])
        }
        // A refusal whose form is no longer on the page (a version published meanwhile) shows at the top.
        let left = view.errors.filter { !shown.contains($0.key) }.map(\.value).sorted()
        if !left.isEmpty { values["pageError"] = left.joined(separator: " ") }
        values["hasPublished"] = data.versions.contains { $0.state == .published }
        return PageValues.dropEmpty(values)
    }

    /// Days across, slots down: one table per service kind and grid, one row per time of day.
    func groups() -> [[String: Any]] {
        let zone = page.zone
        var cards: [(key: ID<LinliDomain.Slot>, lines: [RosterLine])] = []
        for line in data.lines {
            if let last = cards.last, last.key == line.slotID {
                cards[cards.count - 1].lines.append(line)
            } else {
                cards.append((line.slotID, [line]))
            }
        }
        let pins = Dictionary(
            data.assignments.map { ("\($0.slotID)/\($0.volunteerID)", $0) }, uniquingKeysWith: { first, _ in first })
        var groups: [[String: Any]] = []
        for group in data.groups where data.shownGroup == nil || data.shownGroup == group.key {
            let inGroup = cards.filter { BoardGroup.key($0.lines[0]) == group.key }
            var rowsByTime: [String: [[[String: Any]]]] = [:]
            for card in inGroup {
                let first = card.lines[0]
                let time = "\(RosterSheet.clockTime(first.start, zone))–\(RosterSheet.clockTime(first.end, zone))"
                let dayIndex = LocalDate(first.start, in: zone).isoWeekday - 1
                var row = rowsByTime[time] ?? Array(repeating: [], count: 7)
                row[dayIndex].append(slotCard(card.lines, pins: pins))
                rowsByTime[time] = row
            }
            let rows = rowsByTime.keys.sorted().map { time -> [String: Any] in
                ["time": time, "cells": (rowsByTime[time] ?? []).map { ["slots": $0] as [String: Any] }]
            }
            groups.append(["title": groupTitle(group), "id": "group-\(group.kind.rawValue)-\(groups.count)", "rows": rows])
        }
        return groups
    }

    func groupTitle(_ group: BoardGroup) -> String {
        "\(text("kind.\(group.kind.rawValue)")) · \(group.grid.isEmpty ? text("noGrid") : group.grid)"
    }

    /// The links to every group when the board shows one (a large week).
    func groupTabs() -> [[String: Any]] {
        guard let shown = data.shownGroup else { return [] }
        let week = "&week=\(view.week.isoWeekName)&version=\(data.roster?.version ?? 0)"
        return data.groups.map { group in
            [
                "title": groupTitle(group), "current": group.key == shown,
                "href": "/app/roster?\(page.query)\(week)&group=\(StaffPage.encode(group.key))",
                "short": group.short.isEmpty ? "" : text("groupShort", ["n": "\(group.short.count)"]),
                "count": text("groupSlots", ["n": "\(group.slotIDs.count)"]),
            ]
        }
    }

    func slotCard(_ lines: [RosterLine], pins: [String: LinliDomain.Assignment]) -> [String: Any] {
        let first = lines[0]
        let people = lines.compactMap { line -> [String: Any]? in
            guard let v = line.volunteer else { return nil }
            let pinned = pins["\(line.slotID)/\(v.id)"]?.isPinned ?? false
            return ["name": v.name, "pinned": pinned, "pinnedMark": text("pinnedMark")]
        }
        let filled = people.count
        let missing = max(0, first.headcountMin - filled)
        let state = first.isCancelled ? "cancelled" : missing > 0 ? "unfilled" : "full"
        let mark =
            first.isCancelled
            ? text("cancelledMark") : missing > 0 ? text("unfilledMark", ["n": "\(missing)"]) : text("filledMark")
        return [
            "id": "slot-\(first.slotID)", "state": state, "mark": mark,
            "service": language == .en ? first.serviceNameEn : first.serviceNameZh, "place": first.place ?? "",
            "people": people, "count": "\(filled)/\(first.headcountMin)", "chosen": view.slot == first.slotID,
            "href":
                "/app/roster?\(page.query)&week=\(view.week.isoWeekName)&version=\(data.roster?.version ?? 0)&slot=\(first.slotID)#slot-panel",
            "chooseLabel":
                "\(text("choose"))：\(language == .en ? first.serviceNameEn : first.serviceNameZh) \(RosterSheet.clockTime(first.start, page.zone))",
        ]
    }

    func slotTitle(_ start: Date, _ end: Date, _ service: String) -> String {
        let day = LocalDate(start, in: page.zone)
        return
            "\(day) \(RosterSheet.weekdayName(day.isoWeekday, language)) \(RosterSheet.clockTime(start, page.zone))–\(RosterSheet.clockTime(end, page.zone)) \(service)"
    }

    func run() -> [String: Any]? {
        guard let run = data.run else { return nil }
        let state = text("runState.\(run.state.rawValue)")
        var values: [String: Any] = [
            "id": run.id.description, "line": text("runLine", ["state": state]),
            "active": !run.state.isFinished, "state": run.state.rawValue, "error": run.error ?? "",
        ]
        if let last = run.progress.last {
            values["progress"] = text(
                "runProgress", ["s": String(format: "%.1f", Double(last.elapsedMs) / 1000), "u": "\(last.unfilled)"])
        } else if !run.state.isFinished {
            values["progress"] = text("runProgress", ["s": "0", "u": "–"])
        }
        if run.state == .succeeded, let result = run.resultRosterID,
            let version = data.versions.first(where: { $0.id == result })
        {
            values["done"] = text("runDone", ["n": "\(version.version)", "u": "\(run.unfilled ?? 0)"])
            values["resultHref"] = "/app/roster?\(page.query)&week=\(view.week.isoWeekName)&version=\(version.version)"
        }
        return values
    }

    func slotPanel() -> [String: Any]? {
        guard let slot = view.slot, let roster = data.roster else { return nil }
        let lines = data.lines.filter { $0.slotID == slot }
        guard let first = lines.first else { return nil }
        let byVolunteer = Dictionary(
            data.assignments.filter { $0.slotID == slot }.map { ($0.volunteerID, $0) }, uniquingKeysWith: { a, _ in a })
        let assigned = lines.compactMap { line -> [String: Any]? in
            guard let v = line.volunteer, let a = byVolunteer[v.id] else { return nil }
            return [
                "name": v.name, "assignment": a.id.description, "pinned": a.isPinned, "reason": a.reason ?? "",
                "pinnedMark": text("pinnedMark"),
            ]
        }
        let suggestions = data.suggestions.map { s -> [String: Any] in
            [
                "id": s.volunteerID.description, "name": s.name, "allowed": s.allowed,
                "cost": text("cost", ["d": s.softDelta > 0 ? "+\(s.softDelta)" : "\(s.softDelta)"]),
                "wouldBreak": s.wouldBreak.joined(separator: language == .en ? "; " : "；"),
            ]
        }
        let why = data.unfilled.first { $0.slotID == slot }
        return [
            "slot": slot.description, "roster": roster.id.description,
            "title": slotTitle(first.start, first.end, language == .en ? first.serviceNameEn : first.serviceNameZh),
            "place": [first.place, first.grid].compactMap { $0 }.joined(separator: " · "),
            "assigned": assigned, "suggestions": suggestions, "hasSuggestions": !suggestions.isEmpty,
            "editable": roster.state == .draft, "error": view.errors["slot"] ?? "",
            "why": why.map { language == .en ? $0.textEn : $0.textZh } ?? "",
        ]
    }

    func publishPanel() -> [String: Any]? {
        guard let roster = data.roster, roster.state == .draft else { return nil }
        var values: [String: Any] = ["roster": roster.id.description, "error": view.errors["publish"] ?? ""]
        if let changes = data.changes {
            values["changesTitle"] = text("changesSince", ["n": "\(changes.fromVersion)"])
            let describe = { (c: RosterChange) -> String in
                "\(slotTitle(c.start, c.end, language == .en ? c.serviceNameEn : c.serviceNameZh))：\(c.volunteerName)"
            }
            values["added"] = changes.added.map { ["text": describe($0)] }
            values["removed"] = changes.removed.map { ["text": describe($0)] }
            values["noChanges"] = changes.isEmpty
            values["counts"] =
                "\(text("added")) \(changes.added.count)\(language == .en ? ", " : "，")\(text("removed")) \(changes.removed.count)"
        } else {
            values["first"] = text("firstPublish", ["n": "\(data.assignments.count)"])
        }
        return values
    }

    func replanPanel() -> [String: Any]? {
        guard data.versions.contains(where: { $0.state == .published }) else { return nil }
        let chosen = view.kept["volunteer"]
        let reasons = AbsenceReason.allCases.map { r -> [String: Any] in
            [
                "value": r.rawValue, "label": text("reason.\(r.rawValue)"),
                "selected": (view.kept["reason"] ?? "ill") == r.rawValue,
            ]
        }
        return [
            "volunteers": data.publishedVolunteers.map { v -> [String: Any] in
                ["id": v.0.description, "name": v.1, "selected": chosen == v.0.description]
            },
            "reasons": reasons, "from": view.kept["from"] ?? LocalDate(Date(), in: page.zone).description,
            "until": view.kept["until"] ?? "",
            "volunteerError": view.errors["replanVolunteer"] ?? "", "fromError": view.errors["replanFrom"] ?? "",
            "untilError": view.errors["replanUntil"] ?? "", "error": view.errors["replan"] ?? "",
        ]
    }
}

/// One table of the roster board: a service kind in one grid, with its slots and the short ones.
/// A week of a large community (hundreds of slots) is shown one table at a time, so that the
/// page stays small and quick (issue #7: under 100 KB, first render under 300 ms).
struct BoardGroup {
    let kind: ServiceKind
    let grid: String
    var slotIDs: Set<ID<LinliDomain.Slot>>
    /// The slots below their minimum headcount (cancelled ones are not short).
    var short: [ID<LinliDomain.Slot>]

    var key: String { "\(kind.rawValue):\(grid)" }

    /// Above this many slots in the week the board shows one group, with the others as links.
    static let allShownUpTo = 120

    static func key(_ line: RosterLine) -> String { "\(line.kind.rawValue):\(line.grid ?? "")" }

    /// The week's groups in the board's order: patrols, home visits, duty; grids by name.
    static func groups(_ lines: [RosterLine]) -> [BoardGroup] {
        var bySlot: [ID<LinliDomain.Slot>: (line: RosterLine, people: Int)] = [:]
        for line in lines {
            var entry = bySlot[line.slotID] ?? (line, 0)
            if line.volunteer != nil { entry.people += 1 }
            bySlot[line.slotID] = entry
        }
        var groups: [String: BoardGroup] = [:]
        for (slot, entry) in bySlot {
            let key = key(entry.line)
            var group = groups[key] ?? BoardGroup(kind: entry.line.kind, grid: entry.line.grid ?? "", slotIDs: [], short: [])
            group.slotIDs.insert(slot)
            if !entry.line.isCancelled && entry.people < entry.line.headcountMin { group.short.append(slot) }
            groups[key] = group
        }
        for key in groups.keys { groups[key]?.short.sort() }
        let order: [ServiceKind] = [.patrol, .homeVisit, .duty]
        return groups.values.sorted {
            ((order.firstIndex(of: $0.kind) ?? order.count), $0.grid) < ((order.firstIndex(of: $1.kind) ?? order.count), $1.grid)
        }
    }

    /// The group to show: the one asked for, else the chosen slot's, else (a large week) the first
    /// with short slots, else the first; nil shows every group (a week of at most `allShownUpTo` slots).
    static func shown(_ groups: [BoardGroup], asked: String?, slot: ID<LinliDomain.Slot>?) -> String? {
        if let asked, groups.contains(where: { $0.key == asked }) { return asked }
        guard groups.reduce(0, { $0 + $1.slotIDs.count }) > allShownUpTo else { return nil }
        if let slot, let own = groups.first(where: { $0.slotIDs.contains(slot) }) { return own.key }
        return (groups.first { !$0.short.isEmpty } ?? groups.first)?.key
    }
}
