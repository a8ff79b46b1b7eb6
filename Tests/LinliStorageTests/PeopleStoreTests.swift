import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

/// Two communities with a grid each, and a store whose sessions run as the application role.
struct TwoCommunities {
    let a: Community
    let b: Community
    let gridA: Grid
    let gridB: Grid
    let store: Store
    let appPool: ConnectionPool

    static func make(_ configuration: ConnectionConfiguration, poolSize: Int = 4) async throws -> TwoCommunities {
        let appPool = ConnectionPool(
            configuration: ConnectionConfiguration(connectionString: configuration.connectionString, sessionRole: "linli_app"),
            options: .init(maximumConnections: poolSize), logger: TestDatabase.logger)
        let store = Store(pool: appPool)
        let a = Community(code: "anhe", name: "安和社区")
        let b = Community(code: "bolin", name: "柏林社区")
        let gridA = Grid(communityID: a.id, code: "A1", name: "安和A1网格")
        let gridB = Grid(communityID: b.id, code: "B1", name: "柏林B1网格")
        try await store.transaction(.administrator()) { tx async throws in
            try await OrganisationStore().createCommunity(a, on: tx)
            try await OrganisationStore().createCommunity(b, on: tx)
            try await OrganisationStore().createGrid(gridA, on: tx)
            try await OrganisationStore().createGrid(gridB, on: tx)
        }
        return TwoCommunities(a: a, b: b, gridA: gridA, gridB: gridB, store: store, appPool: appPool)
    }

    func close() async { await appPool.shutdown() }
}

@Suite("Organisation, users, volunteers, teams and residents in PostgreSQL")
struct PeopleStoreTests {
    @Test("communities, grids, travel and places round-trip, and community codes are unique")
    func organisation() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            let org = OrganisationStore()
            let gridA2 = Grid(communityID: world.a.id, code: "A2", name: "安和第二网格", gridWorkerName: "周敏")
            let station = Place(communityID: world.a.id, gridID: world.gridA.id, kind: .serviceStation, name: "便民服务站")
            try await world.store.transaction(.community(world.a.id)) { tx async throws in
                try await org.createGrid(gridA2, on: tx)
                try await org.setTravel(
                    GridTravel(communityID: world.a.id, from: world.gridA.id, to: gridA2.id, minutes: 7), on: tx)
                try await org.createPlace(station, on: tx)
            }
            try await world.store.transaction(.community(world.a.id)) { tx async throws in
                #expect(try await org.grids(on: tx) == [world.gridA, gridA2])
                #expect(try await org.travel(on: tx).count == 2)
                #expect(try await org.places(kind: .serviceStation, on: tx) == [station])
                #expect(try await org.places(kind: .library, on: tx).isEmpty)
                #expect(try await org.community(world.a.id, on: tx) == world.a)
                #expect(try await org.communities(on: tx) == [world.a])
            }
            let duplicate = await #expect(throws: StorageError.self) {
                try await world.store.transaction(.administrator()) { tx async throws in
                    try await org.createCommunity(Community(code: "anhe", name: "重复"), on: tx)
                }
            }
            #expect(duplicate?.code == .duplicate)
            await world.close()
        }
    }

    @Test("a volunteer with limits, skills, availability, absences and preferences round-trips")
    func volunteerRoundTrip() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            let volunteers = VolunteerStore()
            let scope = DataScope.community(world.a.id)
            let care = Skill(
                communityID: world.a.id, code: "personal_care", nameZh: "护理员证", nameEn: "Care worker", isCertificate: true)
            let v = Volunteer(
                communityID: world.a.id, externalID: "V0001", name: "王芳", phone: "13800000001", sex: .female,
                birthYear: 1962, homeGridID: world.gridA.id, groups: [.partyMember, .women],
                limits: VolunteerLimits(maxMinutesPerWeek: 360, maxShiftsPerWeek: 3, minRestMinutes: 600, noNight: true))
            let absence = Absence(
                volunteerID: v.id, start: Date(timeIntervalSince1970: 1_795_500_000),
                end: Date(timeIntervalSince1970: 1_795_700_000), reason: .ill, note: "感冒")
            try await world.store.transaction(scope) { tx async throws in
                try await volunteers.create(v, on: tx)
                try await tx.execute(
                    """
                    INSERT INTO skills (id, community_id, code, name_zh, name_en, is_certificate)
                    VALUES (\(care.id), \(world.a.id), \(care.code), \(care.nameZh), \(care.nameEn), true)
                    """)
                try await volunteers.setSkill(
                    VolunteerSkill(
                        volunteerID: v.id, skillID: care.id, certificateNumber: "HL-2024-118",
                        expiresOn: LocalDate(year: 2027, month: 6, day: 30)),
                    communityID: world.a.id, on: tx)
                try await volunteers.setAvailability(
                    [
                        AvailabilityWindow(weekday: 2, startMinute: 480, endMinute: 720),
                        AvailabilityWindow(weekday: 5, startMinute: 1320, endMinute: 1560),
                    ],
                    of: v.id, communityID: world.a.id, on: tx)
                try await volunteers.addAbsence(absence, communityID: world.a.id, on: tx)
                try await volunteers.addPreference(
                    VolunteerPreference(volunteerID: v.id, prefers: false, weekday: 7, weight: 3), communityID: world.a.id, on: tx
                )
            }
            try await world.store.transaction(scope) { tx async throws in
                #expect(try await volunteers.volunteer(v.id, on: tx) == v)
                #expect(
                    try await volunteers.skills(of: v.id, on: tx).first?.expiresOn == LocalDate(year: 2027, month: 6, day: 30))
                #expect(try await volunteers.availability(of: v.id, on: tx).map(\.endMinute) == [720, 1560])
                #expect(try await volunteers.absences(of: v.id, from: absence.start, to: absence.end, on: tx) == [absence])
                #expect(try await volunteers.preferences(of: v.id, on: tx).first?.weekday == 7)
            }
            let missing = await #expect(throws: StorageError.self) {
                try await world.store.transaction(scope) { tx async throws in _ = try await volunteers.volunteer(ID(), on: tx) }
            }
            #expect(missing?.code == .notFound)
            let badPhone = await #expect(throws: StorageError.self) {
                try await world.store.transaction(scope) { tx async throws in
                    try await volunteers.create(
                        Volunteer(communityID: world.a.id, name: "李强", phone: "1381234", sex: .male), on: tx)
                }
            }
            #expect(badPhone?.code == .invalidValue)
            let samePhone = await #expect(throws: StorageError.self) {
                try await world.store.transaction(scope) { tx async throws in
                    try await volunteers.create(
                        Volunteer(communityID: world.a.id, name: "李强", phone: "13800000001", sex: .male), on: tx)
                }
            }
            #expect(samePhone?.code == .duplicate)
            await world.close()
        }
    }

    @Test("edits use optimistic concurrency; deactivation keeps the row")
    func volunteerVersions() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            let volunteers = VolunteerStore()
            let scope = DataScope.community(world.a.id)
            var v = Volunteer(communityID: world.a.id, name: "张建国", phone: "13800000002", sex: .male)
            try await world.store.transaction(scope) { tx async throws in try await volunteers.create(v, on: tx) }
            var first = v
            first.name = "张建国（老张）"
            let newVersion = try await world.store.transaction(scope) { tx async throws in
                try await volunteers.update(first, on: tx)
            }
            #expect(newVersion == 2)
            v.phone = "13900000002"
            let stale = await #expect(throws: StorageError.self) {
                try await world.store.transaction(scope) { tx async throws in try await volunteers.update(v, on: tx) }
            }
            #expect(stale?.code == .staleVersion)
            try await world.store.transaction(scope) { tx async throws in
                try await volunteers.deactivate(v.id, reason: "搬家", on: tx)
                #expect(try await volunteers.volunteers(on: tx).isEmpty)
                #expect(try await volunteers.volunteers(includeInactive: true, on: tx).map(\.name) == ["张建国（老张）"])
            }
            await world.close()
        }
    }

    @Test("a patrol team has one leader, members and patrol routes only")
    func patrolTeam() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            let teams = PatrolTeamStore()
            let scope = DataScope.community(world.a.id)
            let team = PatrolTeam(communityID: world.a.id, name: "安和三老巡逻队", policeStation: "安和派出所")
            let elders = (1...3).map { i in
                Volunteer(
                    communityID: world.a.id, name: "老党员\(i)", phone: "1380000010\(i)", sex: .male, birthYear: 1950 + i,
                    groups: [.elderly])
            }
            let route = Place(communityID: world.a.id, kind: .patrolRoute, name: "一号巡逻线")
            let station = Place(communityID: world.a.id, kind: .serviceStation, name: "服务站")
            try await world.store.transaction(scope) { tx async throws in
                try await teams.create(team, on: tx)
                for v in elders { try await VolunteerStore().create(v, on: tx) }
                try await teams.addMember(
                    PatrolTeamMember(teamID: team.id, volunteerID: elders[0].id, isLeader: true), communityID: world.a.id, on: tx)
                try await teams.addMember(
                    PatrolTeamMember(teamID: team.id, volunteerID: elders[1].id, isExperienced: true), communityID: world.a.id,
                    on: tx)
                try await teams.addMember(
                    PatrolTeamMember(teamID: team.id, volunteerID: elders[2].id), communityID: world.a.id, on: tx)
                try await OrganisationStore().createPlace(route, on: tx)
                try await OrganisationStore().createPlace(station, on: tx)
                try await teams.addRoute(team: team.id, place: route.id, communityID: world.a.id, on: tx)
            }
            let twoLeaders = await #expect(throws: StorageError.self) {
                try await world.store.transaction(scope) { tx async throws in
                    try await tx.execute("UPDATE patrol_team_members SET is_leader = true WHERE volunteer_id = \(elders[1].id)")
                }
            }
            #expect(twoLeaders?.code == .duplicate)
            try await world.store.transaction(scope) { tx async throws in
                try await teams.setLeader(team: team.id, volunteer: elders[1].id, on: tx)
                let members = try await teams.members(of: team.id, on: tx)
                #expect(members.filter(\.isLeader).map(\.volunteerID) == [elders[1].id])
                #expect(try await teams.routes(of: team.id, on: tx) == [route.id])
                #expect(try await teams.teams(on: tx) == [team])
            }
            let notARoute = await #expect(throws: StorageError.self) {
                try await world.store.transaction(scope) { tx async throws in
                    try await teams.addRoute(team: team.id, place: station.id, communityID: world.a.id, on: tx)
                }
            }
            #expect(notARoute?.code == .invalidReference)
            await world.close()
        }
    }

    @Test("residents round-trip, are found by name, address or phone tail, and erasure keeps only statistics")
    func residents() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            let residents = ResidentStore(careNotes: TestDatabase.careNotes)
            let scope = DataScope.community(world.a.id)
            let helper = Volunteer(communityID: world.a.id, name: "刘海燕", phone: "13800000201", sex: .female)
            let r = Resident(
                communityID: world.a.id, externalID: "R0001", name: "陈桂兰", sex: .female, birthYear: 1938,
                gridID: world.gridA.id, address: "安和小区3号楼2单元101室", phone: "13900001234", familyContactName: "女儿",
                familyContactPhone: "13900005678", needsCall: false, livesAlone: true, careNeeds: ["meal", "bathing"],
                careNotes: "糖尿病，饭菜少盐少糖")
            try await world.store.transaction(scope) { tx async throws in
                try await residents.create(r, on: tx)
                try await VolunteerStore().create(helper, on: tx)
                try await residents.setPreference(
                    ResidentPreference(residentID: r.id, volunteerID: helper.id, prefers: true), communityID: world.a.id, on: tx)
            }
            try await world.store.transaction(scope) { tx async throws in
                #expect(try await residents.resident(r.id, on: tx) == r)
                #expect(try await residents.residents(matching: "桂兰", on: tx).map(\.id) == [r.id])
                #expect(try await residents.residents(matching: "3号楼", on: tx).map(\.id) == [r.id])
                #expect(try await residents.residents(matching: "1234", on: tx).map(\.id) == [r.id])
                #expect(try await residents.residents(matching: "王", on: tx).isEmpty)
                #expect(try await residents.residents(matching: "糖尿病", on: tx).isEmpty)
                #expect(try await residents.preferences(of: r.id, on: tx).map(\.volunteerID) == [helper.id])
                try await residents.erase(r.id, on: tx)
                let erased = try await residents.resident(r.id, on: tx)
                #expect(erased.name == "已删除")
                #expect(
                    erased.phone == nil && erased.address == nil && erased.careNotes == nil && erased.familyContactPhone == nil)
                #expect(erased.birthYear == 1930)
                #expect(erased.sex == .female && erased.gridID == world.gridA.id)
                #expect(try await residents.preferences(of: r.id, on: tx).isEmpty)
                let notes: Int = try await tx.query(
                    "SELECT count(*) AS n FROM audit_log WHERE table_name = 'residents' AND (before::text LIKE '%糖尿病%' OR after::text LIKE '%糖尿病%')"
                ).rows[0].decode("n")
                #expect(notes == 0, "care notes must never be copied into the audit log")
            }
            await world.close()
        }
    }

    @Test("users have community-scoped roles; a patrol leader's role names the team")
    func usersAndRoles() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let world = try await TwoCommunities.make(configuration)
            let users = UserStore()
            let coordinator = User(login: "wangfang", displayName: "王芳")
            let leader = User(login: "laozhang", displayName: "张队长")
            let team = PatrolTeam(communityID: world.a.id, name: "安和三老巡逻队")
            try await world.store.transaction(.administrator()) { tx async throws in
                try await users.create(coordinator, on: tx)
                try await users.create(leader, on: tx)
                try await PatrolTeamStore().create(team, on: tx)
                try await users.grant(RoleGrant(userID: coordinator.id, role: .coordinator, communityID: world.a.id), on: tx)
                try await users.grant(
                    RoleGrant(userID: leader.id, role: .patrolLeader, communityID: world.a.id, teamID: team.id), on: tx)
            }
            try await world.store.transaction(.community(world.a.id)) { tx async throws in
                #expect(try await users.users(on: tx).map(\.login) == ["laozhang", "wangfang"])
                #expect(try await users.roles(of: leader.id, on: tx).first?.teamID == team.id)
            }
            try await world.store.transaction(.community(world.b.id)) { tx async throws in
                #expect(try await users.users(on: tx).isEmpty, "community B sees no staff of community A")
            }
            let bad = await #expect(throws: StorageError.self) {
                try await world.store.transaction(.administrator()) { tx async throws in
                    try await users.grant(
                        RoleGrant(userID: coordinator.id, role: .coordinator, communityID: world.a.id, teamID: team.id), on: tx)
                }
            }
            #expect(bad?.code == .invalidValue)
            try await world.store.transaction(.administrator()) { tx async throws in
                try await users.setActive(coordinator.id, false, on: tx)
                #expect(try await users.user(login: "wangfang", on: tx)?.isActive == false)
            }
            await world.close()
        }
    }
}
