import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliReminders
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

@Suite("The patrol leader's page: patrols, members, swaps, exports, calendar link with QR code")
struct TeamPagesTests {
    /// The demo patrol team, this week's published roster and its assignments on the team's slots.
    struct Demo {
        let team: PatrolTeam
        let leader: ID<Volunteer>
        let roster: Roster
        let assignments: [LinliDomain.Assignment]
    }

    /// Next week's roster (all of it ahead of now), its draft first published when `publish`.
    static func demo(_ pool: ConnectionPool, publish: Bool = false) async throws -> Demo {
        let demo = try await APITest.demoID(pool)
        let monday = LocalDate(Date(), in: .shanghai).weekStart.adding(days: 7)
        return try await Store(pool: pool).transaction(.community(demo)) { tx in
            let team = try #require(try await PatrolTeamStore().teams(on: tx).first)
            let leader = try #require(try await PatrolTeamStore().members(of: team.id, on: tx).first { $0.isLeader })
            var roster = try #require(try await RosterStore().versions(community: demo, week: monday, on: tx).last)
            if publish { roster = try await ReminderPlanner().publish(roster.id, on: tx).0 }
            let slots = Set(
                try await SlotStore().slots(week: monday, on: tx).filter {
                    $0.teamID == team.id && $0.status == .open && $0.start > Date()
                }.map(\.id))
            let assignments = try await AssignmentStore().assignments(roster: roster.id, on: tx).filter {
                slots.contains($0.slotID)
            }
            return Demo(team: team, leader: leader.volunteerID, roster: roster, assignments: assignments)
        }
    }

    @Test("the leader sees the team's patrols, members, export links; another team is refused")
    func page() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let demo = try await Self.demo(pool)
            let leader = try await PageUser.signIn(client, pool, role: .patrolLeader, team: demo.team.id)
            try await client.execute(uri: "/app/team?community=demo", method: .get, headers: leader.cookie) {
                response async throws in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains(demo.team.name) && html.contains("本队巡逻班次") && html.contains("队长"))
                #expect(
                    html.contains("/exports/roster?week=") && html.contains("format=xlsx")
                        && html.contains("/exports/roster/print?"))
                #expect(html.contains(#"<label for="swap-first">"#) && html.contains(#"<label for="swap-second">"#))
                #expect(!html.contains("<script"))
            }
            let other = PatrolTeam(communityID: try await APITest.demoID(pool), name: "第二巡逻队")
            try await Store(pool: pool).transaction(.community(other.communityID)) { tx in
                try await PatrolTeamStore().create(other, on: tx)
            }
            try await client.execute(uri: "/app/team?community=demo&team=\(other.id)", method: .get, headers: leader.cookie) {
                response async throws in
                #expect(response.status == .forbidden)
            }
            do {
                let response = try await leader.post(
                    client, "/app/team/swap?community=demo",
                    [("team", other.id.description), ("first", UUID().uuidString), ("second", UUID().uuidString)])
                #expect(response.status == .forbidden)
            }
            // The export link works with the page's cookie (the leader's own team).
            let week = demo.roster.weekStart.isoWeekName
            try await client.execute(
                uri:
                    "/api/v1/communities/demo/exports/roster?week=\(week)&team=\(demo.team.id)&version=\(demo.roster.version)&format=xlsx",
                method: .get,
                headers: leader.cookie
            ) { response async throws in
                #expect(response.status == .ok)
                #expect(response.body.readableBytesView.starts(with: [0x50, 0x4B]))
            }
        }
    }

    @Test("a swap that breaks a rule is refused with the reasons beside the form, choices kept; a valid one is published")
    func swaps() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let demo = try await Self.demo(pool, publish: true)
            #expect(demo.roster.state == .published)
            let leader = try await PageUser.signIn(client, pool, role: .patrolLeader, team: demo.team.id)
            let bySlot = Dictionary(grouping: demo.assignments, by: \.slotID)
            // The team leader walks two patrols; a member of the second takes the first's place
            // and the leader would be on the second patrol twice.
            let leaderShifts = demo.assignments.filter { $0.volunteerID == demo.leader }
            var refused: (LinliDomain.Assignment, LinliDomain.Assignment)?
            for a in leaderShifts {
                for b in leaderShifts where b.slotID != a.slotID {
                    if let member = bySlot[b.slotID]?.first(where: { $0.volunteerID != demo.leader }) {
                        refused = (a, member)
                    }
                }
            }
            let (a, b) = try #require(refused)
            do {
                let response = try await leader.post(
                    client, "/app/team/swap?community=demo",
                    [("team", demo.team.id.description), ("first", a.id.description), ("second", b.id.description)])
                #expect(response.status == .unprocessableContent)
                let html = String(buffer: response.body)
                #expect(html.contains(#"data-testid="swap-error""#) && html.contains("不能调换"))
                #expect(html.contains("已在另一个班次中"))
                #expect(html.contains(#"<option value="\#(a.id)" selected>"#))
                #expect(html.contains(#"<option value="\#(b.id)" selected>"#))
            }
            // Some pair of members' shifts can be swapped; the first accepted one is published.
            var accepted: (LinliDomain.Assignment, LinliDomain.Assignment)?
            let members = demo.assignments.filter { $0.volunteerID != demo.leader }
            search: for x in members {
                for y in members where y.slotID != x.slotID && y.volunteerID != x.volunteerID {
                    let xOnY = bySlot[y.slotID]?.contains { $0.volunteerID == x.volunteerID } ?? false
                    let yOnX = bySlot[x.slotID]?.contains { $0.volunteerID == y.volunteerID } ?? false
                    if xOnY || yOnX { continue }
                    let status = try await leader.post(
                        client, "/app/team/swap?community=demo",
                        [("team", demo.team.id.description), ("first", x.id.description), ("second", y.id.description)]
                    ).status
                    if status == .seeOther {
                        accepted = (x, y)
                        break search
                    }
                    #expect(status == .unprocessableContent)
                }
            }
            let (x, y) = try #require(accepted)
            let community = try await APITest.demoID(pool)
            let published = try await Store(pool: pool).transaction(.community(community)) { tx in
                let roster = try #require(
                    try await RosterStore().published(community: community, week: demo.roster.weekStart, on: tx))
                return (roster, try await AssignmentStore().assignments(roster: roster.id, on: tx))
            }
            #expect(published.0.version > demo.roster.version)
            #expect(published.1.contains { $0.slotID == y.slotID && $0.volunteerID == x.volunteerID })
            #expect(published.1.contains { $0.slotID == x.slotID && $0.volunteerID == y.volunteerID })
            #expect(!published.1.contains { $0.slotID == x.slotID && $0.volunteerID == x.volunteerID })
            try await client.execute(
                uri: "/app/team?community=demo&team=\(demo.team.id)&notice=swapped", method: .get, headers: leader.cookie
            ) { response async throws in
                #expect(String(buffer: response.body).contains("已调换"))
            }
        }
    }

    @Test("the calendar link is shown once with a server-drawn SVG QR code; forms need the CSRF token")
    func calendarLink() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let demo = try await Self.demo(pool)
            let leader = try await PageUser.signIn(client, pool, role: .patrolLeader, team: demo.team.id)
            try await client.execute(
                uri: "/app/team/feed?community=demo", method: .post, headers: leader.form,
                body: PagesTests.formBody([("team", demo.team.id.description)])
            ) { response async throws in
                expectPageProblem(response, .forbidden, code: "csrf_failed")
            }
            let url = try await client.execute(
                uri: "/app/team/feed?community=demo", method: .post, headers: leader.form,
                body: leader.body([("team", demo.team.id.description)])
            ) { response async throws in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                let marker = #"data:image/svg+xml;base64,"#
                let start = try #require(html.range(of: marker)).upperBound
                let data = try #require(Data(base64Encoded: String(html[start...].prefix { $0 != "\"" })))
                let svg = try #require(String(data: data, encoding: .utf8))
                #expect(svg.hasPrefix("<svg") && svg.contains("<path d=\"M"))
                let link = try #require(html.range(of: #"data-testid="feed-url">"#)).upperBound
                return String(html[link...].prefix { $0 != "<" })
            }
            #expect(url.contains("/feeds/") && url.hasSuffix(".ics"))
            let path = try #require(url.range(of: "/feeds/")).lowerBound
            try await client.execute(uri: String(url[path...]), method: .get) { response async throws in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("BEGIN:VCALENDAR"))
            }
        }
    }
}
