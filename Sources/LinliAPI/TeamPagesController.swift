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

/// The patrol leader's page (issue #7), `/app/team`: the team's patrols this week and next
/// (the published roster, else the newest draft), its members, a form to swap two members'
/// shifts (judged by the scheduler like a hand edit; a refused swap shows the reasons beside the
/// form), the existing exports (printable sheet, CSV, XLSX) and a calendar feed link with its
/// QR code. A leader sees only the teams they lead; coordinators and administrators any team.
struct TeamPagesController: Sendable {
    let authenticator: Authenticator
    let store: Store
    let pages: Result<WebPages, any Error>
    let maxBodyBytes: Int

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/app/team") { request, _ in
            try await StaffPage.respond {
                let page = try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .exports, .read)
                let team = try Self.team(request.uri.queryParameters["team"].map(String.init), page)
                let notice = request.uri.queryParameters["notice"].map { String($0) } == "swapped"
                return try await render(page, team: team, state: FormState(notice: notice))
            }
        }
        router.post("/app/team/swap") { request, _ in try await StaffPage.respond { try await swap(request) } }
        router.post("/app/team/feed") { request, _ in try await StaffPage.respond { try await feed(request) } }
    }

    /// What a form left on the page: a notice after a swap, a refusal with its reasons and the
    /// choices kept, or a new calendar link (shown once).
    struct FormState {
        var notice = false
        var swapError: [String] = []
        var first: String?
        var second: String?
        var feedURL: String?
        var status: HTTPResponse.Status = .ok
    }

    /// The team the page is about: `team` if given (a leader's own only), else the first the
    /// user leads; nil for a coordinator who leads none and named none.
    static func team(_ raw: String?, _ page: StaffPage) throws -> ID<PatrolTeam>? {
        let broad = page.roles.contains(.coordinator) || page.roles.contains(.administrator)
        guard let raw, !raw.isEmpty else { return page.teams.first }
        guard let id = ID<PatrolTeam>(uuidString: raw), broad || page.teams.contains(id) else {
            throw Problem(
                .forbidden, code: "not_your_team",
                detail: .init("巡逻队长只能查看自己所带的队伍", "A patrol leader may see only the teams they lead"))
        }
        return id
    }

    // MARK: - Page

    func render(_ page: StaffPage, team teamID: ID<PatrolTeam>?, state: FormState) async throws -> Response {
        let language = page.language
        let monday = LocalDate(Date(), in: page.zone).weekStart
        let (teams, data) = try await store.transaction(page.scope) { tx -> ([PatrolTeam], TeamData?) in
            let teams = try await PatrolTeamStore().teams(on: tx)
            guard let teamID, let team = teams.first(where: { $0.id == teamID }) else { return (teams, nil) }
            var members: [(PatrolTeamMember, Volunteer)] = []
            for member in try await PatrolTeamStore().members(of: team.id, on: tx) {
                members.append((member, try await VolunteerStore().volunteer(member.volunteerID, on: tx)))
            }
            var weeks: [TeamWeek] = []
            for week in [monday, monday.adding(days: 7)] {
                let versions = try await RosterStore().versions(community: page.community.id, week: week, on: tx)
                let roster =
                    versions.first { $0.state == .published }
                    ?? versions.filter { $0.state == .draft }.max { $0.version < $1.version }
                var lines: [RosterLine] = []
                var ids: [String: ID<LinliDomain.Assignment>] = [:]
                if let roster {
                    try await ExportQueries().rosterLines(roster, team: team.id, on: tx) { lines += $0 }
                    for a in try await AssignmentStore().assignments(roster: roster.id, on: tx) {
                        ids["\(a.slotID)/\(a.volunteerID)"] = a.id
                    }
                }
                weeks.append(TeamWeek(monday: week, roster: roster, lines: lines, assignmentIDs: ids))
            }
            return (teams, TeamData(team: team, members: members, weeks: weeks))
        }
        var values: [String: Any] = [
            "csrf": page.csrf, "communityCode": page.community.code, "community": page.community.name, "lang": language.rawValue,
            "homeHref": "/app?lang=\(language.rawValue)", "b": WebStrings.boardTable(language),
            "otherLangHref":
                "/app/team?community=\(StaffPage.encode(page.community.code))\(teamID.map { "&team=\($0)" } ?? "")&lang=\(language == .en ? "zh-CN" : "en")",
            "otherLanguageName": language == .en ? "中文" : "English", "otherLang": language == .en ? "zh-CN" : "en",
            "notice": state.notice ? WebStrings.board("notice.swapped", language) : "",
        ]
        // Coordinators and administrators pick any team; a leader sees the teams they lead.
        let broad = page.roles.contains(.coordinator) || page.roles.contains(.administrator)
        let visible = teams.filter { broad || page.teams.contains($0.id) }
        values["teams"] = visible.map { team -> [String: Any] in
            ["name": team.name, "href": "/app/team?\(page.query)&team=\(team.id)", "current": team.id == teamID]
        }
        values["manyTeams"] = visible.count > 1
        if let data {
            values.merge(TeamModel(page: page, data: data, state: state).values()) { _, new in new }
        }
        let title = [data?.team.name, WebStrings.board("teamTitle", language)].compactMap { $0 }.joined(separator: " · ")
        values["heading"] = title
        let html = try pages.get().render("team", title: title, values: PageValues.dropEmpty(values), language: language)
        var response = htmlResponse(html, language: language)
        response.status = state.status
        return response
    }

    /// A team's page data.
    struct TeamData {
        var team: PatrolTeam
        var members: [(PatrolTeamMember, Volunteer)]
        var weeks: [TeamWeek]
    }

    /// One week of the team's patrols in the version shown.
    struct TeamWeek {
        var monday: LocalDate
        var roster: Roster?
        var lines: [RosterLine]
        var assignmentIDs: [String: ID<LinliDomain.Assignment>]
    }

    // MARK: - Forms

    func swap(_ request: Request) async throws -> Response {
        let page = try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .exports, .read)
        let form = try await page.form(request, maxBytes: maxBodyBytes)
        let teamID = try Self.team(form["team"], page)
        guard let teamID else { throw Problem.notFound(TeamsController.notFound) }
        var state = FormState(first: form["first"], second: form["second"])
        let language = page.language
        let first = form["first"].flatMap { ID<LinliDomain.Assignment>(uuidString: $0) }
        let second = form["second"].flatMap { ID<LinliDomain.Assignment>(uuidString: $0) }
        guard let first, let second, first != second else {
            state.swapError = [WebStrings.board("swapSame", language)]
            state.status = .unprocessableContent
            return try await render(page, team: teamID, state: state)
        }
        let user = page.user.user.id
        do {
            // The scheduler must see the whole community's week to judge a clash or a weekly
            // limit, which a patrol leader's row-level view (their team only) hides; so the swap
            // runs in the community-wide scope, after the page has checked the leader leads
            // `teamID`, and `swap` itself refuses any slot not of that team.
            try await store.transaction(.community(page.community.id, user: user)) { tx in
                let result = try await RosterSolving(store: store).swap(first, second, team: teamID, by: user, on: tx)
                if result.madeDraft { _ = try await ReminderPlanner().publish(result.roster.id, by: user, on: tx) }
            }
        } catch let error as RosteringError {
            state.swapError =
                error.reasons.isEmpty
                ? [language == .en ? error.en : error.zh] : error.reasons.map { language == .en ? $0.en : $0.zh }
            state.status = error.code == .notFound ? .notFound : .unprocessableContent
            return try await render(page, team: teamID, state: state)
        } catch let error as StorageError where error.code == .notFound {
            state.swapError = [error.message]
            state.status = .notFound
            return try await render(page, team: teamID, state: state)
        }
        return StaffPage.seeOther("/app/team?\(page.query)&team=\(teamID)&notice=swapped")
    }

    /// Makes the team's calendar feed and shows its link and QR code on the page once (the
    /// token is stored only hashed, so a redirect could not show it again).
    func feed(_ request: Request) async throws -> Response {
        let page = try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .exports, .read)
        let form = try await page.form(request, maxBytes: maxBodyBytes)
        guard let teamID = try Self.team(form["team"], page) else { throw Problem.notFound(TeamsController.notFound) }
        let created = try await store.transaction(page.scope) { tx in
            try await CalendarFeedStore().create(
                community: page.community.id, subject: .team(teamID), label: WebStrings.board("feedTitle", page.language),
                createdBy: page.user.user.id, on: tx)
        }
        let path = "/feeds/\(created.token.value).ics"
        return try await render(page, team: teamID, state: FormState(feedURL: FeedsController.url(path, request) ?? path))
    }
}

/// The team page's template values.
struct TeamModel {
    let page: StaffPage
    let data: TeamPagesController.TeamData
    let state: TeamPagesController.FormState

    var language: PageLanguage { page.language }

    func values() -> [String: Any] {
        let zone = page.zone
        let team = data.team
        var options: [[String: Any]] = []
        let weeks = data.weeks.map { week -> [String: Any] in
            var rows: [[String: Any]] = []
            var index = 0
            let lines = week.lines
            while index < lines.count {
                let first = lines[index]
                var names: [String] = []
                while index < lines.count, lines[index].slotID == first.slotID {
                    if let v = lines[index].volunteer {
                        names.append(v.name)
                        if let id = week.assignmentIDs["\(first.slotID)/\(v.id)"], !first.isCancelled {
                            options.append([
                                "id": id.description, "label": "\(shift(first, zone)) — \(v.name)",
                            ])
                        }
                    }
                    index += 1
                }
                let day = LocalDate(first.start, in: zone)
                rows.append([
                    "date": "\(day) \(RosterSheet.weekdayName(day.isoWeekday, language))",
                    "time": "\(RosterSheet.clockTime(first.start, zone))–\(RosterSheet.clockTime(first.end, zone))",
                    "service": language == .en ? first.serviceNameEn : first.serviceNameZh, "place": first.place ?? "",
                    "people": names.isEmpty
                        ? WebStrings.text("unfilled", language)
                        : names.joined(separator: WebStrings.text("listSeparator", language)),
                    "short": names.count < first.headcountMin && !first.isCancelled,
                    "shortMark": WebStrings.board("unfilledMark", language, ["n": "\(max(0, first.headcountMin - names.count))"]),
                    "cancelled": first.isCancelled,
                ])
            }
            let name = week.monday.isoWeekName
            let api = "/api/v1/communities/\(StaffPage.encode(page.community.code))/exports/roster"
            let version = week.roster.map { "&version=\($0.version)" } ?? ""
            let query = "week=\(name)&team=\(team.id)\(version)"
            return [
                "id": "week-\(name)",
                "title": WebStrings.board(
                    "weekOf", language,
                    ["w": name, "from": week.monday.description, "through": week.monday.adding(days: 6).description]),
                "isDraft": week.roster?.state == .draft, "rows": rows, "hasRows": !rows.isEmpty, "hasRoster": week.roster != nil,
                "printHref": "\(api)/print?\(query)&lang=\(language.rawValue)", "csvHref": "\(api)?\(query)&format=csv",
                "xlsxHref": "\(api)?\(query)&format=xlsx",
            ]
        }
        let members = data.members.map { member, volunteer -> [String: Any] in
            [
                "name": volunteer.name, "phone": volunteer.phone ?? "", "leader": member.isLeader,
                "experienced": member.isExperienced,
            ]
        }
        let marked = options.map { option -> [String: Any] in
            var o = option
            o["first"] = (option["id"] as? String) == state.first
            o["second"] = (option["id"] as? String) == state.second
            return o
        }
        var values: [String: Any] = [
            "team": team.name, "teamID": team.id.description, "weeks": weeks, "members": members, "options": marked,
            "swapError": state.swapError.map { ["text": $0] }, "hasSwapError": !state.swapError.isEmpty,
        ]
        if let url = state.feedURL {
            values["feedURL"] = url
            if let qr = QRCode.dataURL(url) { values["feedQR"] = qr }
        }
        return values
    }

    func shift(_ line: RosterLine, _ zone: TimeZone) -> String {
        let day = LocalDate(line.start, in: zone)
        let service = language == .en ? line.serviceNameEn : line.serviceNameZh
        return
            "\(day) \(RosterSheet.weekdayName(day.isoWeekday, language)) \(RosterSheet.clockTime(line.start, zone))–\(RosterSheet.clockTime(line.end, zone)) \(service)"
    }
}
