import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

@testable import LinliAPI

@Suite("The volunteer and resident pages: lists, edit forms, availability grid, absences, skills, roles")
struct PeoplePagesTests {
    /// A demo volunteer by external ID (V0009: weekday mornings 08:30–13:00).
    static func volunteer(_ pool: ConnectionPool, _ external: String = "V0009") async throws -> Volunteer {
        let demo = try await APITest.demoID(pool)
        return try await Store(pool: pool).transaction(.community(demo)) { tx in
            try #require(try await VolunteerStore().volunteers(includeInactive: true, on: tx).first { $0.externalID == external })
        }
    }

    static func availability(_ pool: ConnectionPool, _ id: ID<Volunteer>) async throws -> [AvailabilityWindow] {
        let demo = try await APITest.demoID(pool)
        return try await Store(pool: pool).transaction(.community(demo)) { tx in
            try await VolunteerStore().availability(of: id, on: tx)
        }
    }

    @Test("the grid keeps what it does not show, joins ticked cells and clears unticked ones")
    func gridArithmetic() {
        let stored = [
            AvailabilityWindow(weekday: 1, startMinute: 510, endMinute: 780),  // 08:30–13:00
            AvailabilityWindow(weekday: 2, startMinute: 1320, endMinute: 1440),  // 22:00–24:00, outside the grid
            AvailabilityWindow(weekday: 3, startMinute: 360, endMinute: 720),
        ]
        #expect(AvailabilityGrid.cell(AvailabilityGrid.ranges(stored, weekday: 1), .am) == .partial([510..<720]))
        #expect(AvailabilityGrid.cell(AvailabilityGrid.ranges(stored, weekday: 3), .am) == .full)
        let saved = AvailabilityGrid.apply(
            ["a_1_am": "keep", "a_1_pm": "full", "a_4_pm": "1", "a_4_eve": "1", "a_3_am": ""], to: stored)
        #expect(
            saved == [
                AvailabilityWindow(weekday: 1, startMinute: 510, endMinute: 1080),
                AvailabilityWindow(weekday: 2, startMinute: 1320, endMinute: 1440),
                AvailabilityWindow(weekday: 4, startMinute: 720, endMinute: 1320),
            ])
    }

    @Test("the list finds volunteers by pinyin initials and phone ending; a volunteer's page has every section, labelled")
    func listAndPage() async throws {
        try await APITest.withAPI { signedIn, pool in
            let coordinator = try await PageSession.signIn(signedIn, pool, role: .coordinator)
            let v = try await Self.volunteer(pool)
            let initials = ResidentSearch.initials(v.name)
            let found = try await coordinator.get("/app/volunteers?community=demo&q=\(initials)")
            #expect(found.status == .ok)
            let list = String(buffer: found.body)
            #expect(list.contains(v.name) && list.contains("/app/volunteers/\(v.id)?"))
            #expect(list.contains(#"<label for="q">"#) && !list.contains("<script"))
            let phoneTail = String(try #require(v.phone).suffix(4))
            #expect(String(buffer: try await coordinator.get("/app/volunteers?q=\(phoneTail)").body).contains(v.name))

            let page = try await coordinator.get("/app/volunteers/\(v.id)?community=demo")
            #expect(page.status == .ok)
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
            let html = String(buffer: page.body)
            for id in ["details-form", "skill-form", "availability-form", "absence-form"] {
                #expect(html.contains(#"id="\#(id)""#), "\(id)")
            }
            // V0009 serves weekday mornings 08:30–13:00: Monday morning partly, Monday afternoon partly.
            #expect(html.contains("现有：08:30–12:00") && html.contains("现有：12:00–13:00"))
            #expect(html.contains(#"<label for="max_minutes_per_week">"#) && html.contains(#"name="version" value="#))
            // Every form of the page carries the CSRF token.
            #expect(
                html.components(separatedBy: "<form method=\"post\"").count - 1 == html.components(
                    separatedBy: #"name="csrf_token""#
                ).count - 1)
            let english = String(buffer: try await coordinator.get("/app/volunteers/\(v.id)?lang=en").body)
            #expect(english.contains(#"<html lang="en">"#) && english.contains("Weekly availability"))
            #expect(try await coordinator.get("/app/volunteers/\(UUID())").status == .notFound)
        }
    }

    @Test("saving details: errors next to the fields with the input kept; a good form saves and says so")
    func editDetails() async throws {
        try await APITest.withAPI { signedIn, pool in
            let coordinator = try await PageSession.signIn(signedIn, pool, role: .coordinator)
            let v = try await Self.volunteer(pool)
            let path = "/app/volunteers/\(v.id)?community=demo"
            let bad = try await coordinator.post(
                path,
                [
                    ("version", String(v.version)), ("name", "张三丰"), ("sex", "male"), ("phone", "12345"),
                    ("max_minutes_per_week", "很多"), ("max_consecutive_days", "9"), ("no_evening", "1"),
                    ("group_youth", "1"),
                ])
            #expect(bad.status == .unprocessableContent)
            let html = String(buffer: bad.body)
            #expect(html.contains(#"id="phone-error""#) && html.contains("须为 11 位手机号码"))
            #expect(html.contains(#"id="max_minutes_per_week-error""#) && html.contains("请填写整数"))
            #expect(html.contains(#"id="max_consecutive_days-error""#) && html.contains("须在 1 到 7 之间"))
            // What was typed is still there.
            #expect(html.contains(#"value="张三丰""#) && html.contains(#"value="12345""#) && html.contains(#"value="很多""#))
            #expect(
                html.contains(#"name="no_evening" value="1" checked"#) && html.contains(#"name="group_youth" value="1" checked"#))
            #expect(try await Self.volunteer(pool).name == v.name)

            let good = try await coordinator.post(
                path,
                [
                    ("version", String(v.version)), ("name", "张三丰"), ("sex", "male"), ("phone", "13912345678"),
                    ("max_minutes_per_week", "600"), ("target_minutes_per_week", "300"), ("no_night", "1"),
                    ("group_party_member", "1"), ("notify", "wecom"),
                ])
            #expect(good.status == .seeOther)
            #expect(good.headers[.location]?.hasPrefix("/app/volunteers/\(v.id)?") == true)
            let saved = try await Self.volunteer(pool)
            #expect(saved.name == "张三丰" && saved.phone == "13912345678" && saved.groups == [.partyMember])
            #expect(saved.limits.maxMinutesPerWeek == 600 && saved.limits.targetMinutesPerWeek == 300)
            #expect(saved.limits.noNight && !saved.limits.noEvening && saved.notifyChannel == .wecom)
            let shown = String(buffer: try await coordinator.get(try #require(good.headers[.location])).body)
            #expect(shown.contains("已保存") && shown.contains(#"value="600""#))
            // The same old version again: someone saved first; the input is kept.
            let stale = try await coordinator.post(
                path, [("version", String(v.version)), ("name", "晚到的修改"), ("sex", "male")])
            #expect(stale.status == .conflict)
            #expect(String(buffer: stale.body).contains(#"value="晚到的修改""#))
        }
    }

    @Test("adding a volunteer; the availability grid saves and shows; absences are added, refused and removed")
    func gridAndAbsences() async throws {
        try await APITest.withAPI { signedIn, pool in
            let coordinator = try await PageSession.signIn(signedIn, pool, role: .coordinator)
            let refused = try await coordinator.post("/app/volunteers?community=demo", [("name", ""), ("phone", "1391")])
            #expect(refused.status == .unprocessableContent)
            #expect(String(buffer: refused.body).contains(#"id="sex-error""#))
            let created = try await coordinator.post(
                "/app/volunteers?community=demo", [("name", "新来的志愿者"), ("sex", "female"), ("phone", "13700001234")])
            #expect(created.status == .seeOther)
            let location = try #require(created.headers[.location])
            let id = try #require(
                ID<Volunteer>(uuidString: String(location.dropFirst("/app/volunteers/".count).prefix(36))))

            let grid = try await coordinator.post(
                "/app/volunteers/\(id)/availability?community=demo", [("a_1_am", "1"), ("a_1_pm", "1"), ("a_6_eve", "1")])
            #expect(grid.status == .seeOther)
            #expect(
                try await Self.availability(pool, id) == [
                    AvailabilityWindow(weekday: 1, startMinute: 360, endMinute: 1080),
                    AvailabilityWindow(weekday: 6, startMinute: 1080, endMinute: 1320),
                ])
            let page = String(buffer: try await coordinator.get("/app/volunteers/\(id)?community=demo").body)
            #expect(page.contains(#"name="a_1_am" value="1" checked"#) && page.contains(#"name="a_6_eve" value="1" checked"#))
            #expect(!page.contains(#"name="a_2_am" value="1" checked"#))

            let badAbsence = try await coordinator.post(
                "/app/volunteers/\(id)/absences?community=demo",
                [("from", "2027-03-10"), ("to", "2027-03-01"), ("reason", "ill"), ("note", "住院")])
            #expect(badAbsence.status == .unprocessableContent)
            let badHTML = String(buffer: badAbsence.body)
            #expect(badHTML.contains(#"id="absence-to-error""#) && badHTML.contains(#"value="住院""#))
            #expect(badHTML.contains(#"value="2027-03-10""#))
            let from = LocalDate(Date(), in: .shanghai).adding(days: 3)
            let to = from.adding(days: 4)
            let added = try await coordinator.post(
                "/app/volunteers/\(id)/absences?community=demo",
                [("from", from.description), ("to", to.description), ("reason", "away"), ("note", "回老家")])
            #expect(added.status == .seeOther)
            let demo = try await APITest.demoID(pool)
            let absences = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try await VolunteerStore().absences(of: id, from: .now, to: .now.addingTimeInterval(30 * 86_400), on: tx)
            }
            let absence = try #require(absences.first)
            #expect(absences.count == 1 && absence.reason == .away && absence.note == "回老家")
            #expect(
                absence.start == from.startOfDay(in: .shanghai) && absence.end == to.adding(days: 1).startOfDay(in: .shanghai))
            let shown = String(buffer: try await coordinator.get("/app/volunteers/\(id)?community=demo").body)
            #expect(shown.contains(from.description) && shown.contains(to.description) && shown.contains("回老家"))
            let removed = try await coordinator.post("/app/volunteers/\(id)/absences/\(absence.id)/remove?community=demo", [])
            #expect(removed.status == .seeOther)
            let after = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try await VolunteerStore().absences(of: id, from: .now, to: .now.addingTimeInterval(30 * 86_400), on: tx)
            }
            #expect(after.isEmpty)

            let skill = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try #require(try await SkillStore().skills(on: tx).first { $0.code == "first_aid" })
            }
            let badSkill = try await coordinator.post(
                "/app/volunteers/\(id)/skills?community=demo", [("skill", skill.id.description), ("expires_on", "明年")])
            #expect(badSkill.status == .unprocessableContent)
            #expect(String(buffer: badSkill.body).contains(#"id="expires_on-error""#))
            let goodSkill = try await coordinator.post(
                "/app/volunteers/\(id)/skills?community=demo",
                [("skill", skill.id.description), ("certificate_number", "RC-2027-001"), ("expires_on", "2028-06-30")])
            #expect(goodSkill.status == .seeOther)
            let held = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try await VolunteerStore().skills(of: id, on: tx)
            }
            #expect(held.map(\.expiresOn) == [LocalDate(year: 2028, month: 6, day: 30)])
        }
    }

    @Test("forms without the CSRF token are refused; roles follow AccessPolicy")
    func csrfAndRoles() async throws {
        try await APITest.withAPI { signedIn, pool in
            let coordinator = try await PageSession.signIn(signedIn, pool, role: .coordinator)
            let v = try await Self.volunteer(pool)
            let before = try await Self.availability(pool, v.id)
            for path in ["/app/volunteers/\(v.id)/availability", "/app/volunteers/\(v.id)", "/app/volunteers/\(v.id)/absences"] {
                let response = try await coordinator.post(path, [("a_1_am", "1"), ("name", "x")], csrf: false)
                #expect(response.status == .forbidden, "\(path)")
            }
            #expect(try await Self.availability(pool, v.id) == before)

            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            #expect(try await desk.get("/app/volunteers").status == .forbidden)
            #expect(try await desk.get("/app/import").status == .forbidden)
            #expect(try await desk.post("/app/volunteers/\(v.id)/availability", [("a_1_am", "1")]).status == .forbidden)
            #expect(try await desk.get("/app/residents").status == .ok)
            let deskHome = String(buffer: try await desk.get("/app").body)
            #expect(deskHome.contains("/app/residents?") && !deskHome.contains("/app/volunteers?"))

            let leader = try await PageSession.signIn(signedIn, pool, role: .patrolLeader)
            #expect(try await leader.get("/app/volunteers").status == .ok)
            #expect(try await leader.get("/app/residents").status == .forbidden)
            #expect(try await leader.post("/app/volunteers/\(v.id)", [("name", "x"), ("sex", "male")]).status == .forbidden)

            let home = String(buffer: try await coordinator.get("/app").body)
            #expect(home.contains("/app/volunteers?") && home.contains("/app/residents?") && home.contains("/app/import?"))
            #expect(!home.contains("志愿者与居民名单"))
            let anonymous = try await coordinator.client.execute(uri: "/app/volunteers", method: .get, headers: [:], body: nil)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/signin?lang=zh-CN")
        }
    }

    @Test("taking a volunteer off the roster needs a reason (kept with the error), and they come back with one press")
    func deactivateAndBack() async throws {
        try await APITest.withAPI { signedIn, pool in
            let coordinator = try await PageSession.signIn(signedIn, pool, role: .coordinator)
            let v = try await Self.volunteer(pool)
            let page = "/app/volunteers/\(v.id)"
            #expect(String(buffer: try await coordinator.get(page).body).contains(#"id="deactivate""#))
            let missing = try await coordinator.post(page + "/deactivate", [("reason", "  ")])
            #expect(missing.status == .unprocessableContent)
            #expect(String(buffer: missing.body).contains(#"id="stop-reason-error">请写明停用原因"#))
            #expect(try await Self.volunteer(pool).isActive)
            let stopped = try await coordinator.post(page + "/deactivate", [("reason", "搬离本社区")])
            #expect(stopped.status == .seeOther)
            #expect(try await Self.volunteer(pool).isActive == false)
            let shown = String(buffer: try await coordinator.get(try #require(stopped.headers[.location])).body)
            #expect(shown.contains("已停用，以后不再排班") && shown.contains(#"id="reactivate""#))
            let list = String(buffer: try await coordinator.get("/app/volunteers").body)
            #expect(list.contains(v.name) && list.contains("已停用"))
            let back = try await coordinator.post(page + "/reactivate", [])
            let activeAgain = try await Self.volunteer(pool).isActive
            #expect(back.status == .seeOther && activeAgain)
            let refused = try await coordinator.post(page + "/deactivate", [("reason", "x")], csrf: false)
            let stillActive = try await Self.volunteer(pool).isActive
            #expect(refused.status == .forbidden && stillActive)
        }
    }

    @Test("a resident's page: masked list, edit with errors kept, familiar volunteers added and removed")
    func residents() async throws {
        try await APITest.withAPI { signedIn, pool in
            let coordinator = try await PageSession.signIn(signedIn, pool, role: .coordinator)
            let demo = try await APITest.demoID(pool)
            let resident = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try #require(try await ResidentStore().residents(on: tx).first { $0.phone != nil && $0.address != nil })
            }
            let list = String(buffer: try await coordinator.get("/app/residents?community=demo").body)
            let phone = try #require(resident.phone)
            #expect(list.contains(resident.name) && !list.contains(phone))
            let initials = ResidentSearch.initials(resident.name)
            #expect(String(buffer: try await coordinator.get("/app/residents?q=\(initials)").body).contains(resident.name))

            let page = String(buffer: try await coordinator.get("/app/residents/\(resident.id)?community=demo").body)
            #expect(page.contains(phone) && page.contains(#"id="preference-form""#))
            #expect(page.contains("/app/desk/residents/\(resident.id)"))

            let path = "/app/residents/\(resident.id)?community=demo"
            let bad = try await coordinator.post(
                path,
                [
                    ("version", String(resident.version)), ("name", resident.name), ("sex", resident.sex.rawValue),
                    ("phone", "abc"), ("address", "幸福里9号楼"), ("needs_call", "1"),
                ])
            #expect(bad.status == .unprocessableContent)
            let badHTML = String(buffer: bad.body)
            #expect(badHTML.contains(#"id="phone-error""#) && badHTML.contains(#"value="幸福里9号楼""#))
            #expect(badHTML.contains(#"name="needs_call" value="1" checked"#))
            let good = try await coordinator.post(
                path,
                [
                    ("version", String(resident.version)), ("name", resident.name), ("sex", resident.sex.rawValue),
                    ("phone", "02112345678"), ("address", "幸福里9号楼"), ("needs_call", "1"), ("family_name", "王小明"),
                    ("family_phone", "13800005678"),
                ])
            #expect(good.status == .seeOther)
            let saved = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try await ResidentStore().resident(resident.id, on: tx)
            }
            #expect(saved.address == "幸福里9号楼" && saved.phone == "02112345678" && saved.needsCall)
            #expect(saved.familyContactName == "王小明" && !saved.livesAlone)

            let v = try await Self.volunteer(pool, "V0011")
            let prefer = try await coordinator.post(
                "/app/residents/\(resident.id)/preferences?community=demo",
                [("volunteer", v.id.description), ("prefers", "true")])
            #expect(prefer.status == .seeOther)
            let shown = String(buffer: try await coordinator.get("/app/residents/\(resident.id)?community=demo").body)
            #expect(shown.contains(v.name) && shown.contains("熟悉（优先安排）"))
            let remove = try await coordinator.post(
                "/app/residents/\(resident.id)/preferences/\(v.id)/remove?community=demo", [])
            #expect(remove.status == .seeOther)
            let left = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try await ResidentStore().preferences(of: resident.id, on: tx)
            }
            #expect(!left.contains { $0.volunteerID == v.id })

            // Desk staff edit residents but do not name volunteers (they read no volunteer's row).
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            let deskPage = String(buffer: try await desk.get("/app/residents/\(resident.id)").body)
            #expect(deskPage.contains(#"id="details-form""#) && !deskPage.contains(#"id="preference-form""#))
            let deskPrefer = try await desk.post(
                "/app/residents/\(resident.id)/preferences", [("volunteer", v.id.description), ("prefers", "true")])
            #expect(deskPrefer.status == .forbidden)
        }
    }
}
