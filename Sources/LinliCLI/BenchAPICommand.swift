import ArgumentParser
import AsyncHTTPClient
import Foundation
import LinliDatabase
import LinliDomain
import LinliReminders
import LinliScheduler
import LinliStorage
import NIOCore
import NIOHTTP1

extension BenchCommand {
    /// Stores a generated community week (`CommunityGenerator.week`) with a published roster, for `bench api`.
    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a generated community with a solved, published week, for `linli bench api`.",
            discussion: """
                The community of `linli bench generate` (N volunteers with skills, availability and
                limits; patrols, home visits with residents and bookings, duty shifts) stored under
                --code, its week four weeks from now solved for --seconds and published. Refuses a
                code that exists.
                Example:
                  linli bench seed --volunteers 300 --code bench300
                """)

        @Option(help: "Number of volunteers.") var volunteers = 300
        @Option(help: "The new community's code.") var code = "bench300"
        @Option(help: "Seconds to solve the week.") var seconds: Double = 2
        @Option(help: "Random seed.") var seed: UInt64 = 1

        func validate() throws {
            guard (10...5_000).contains(volunteers) else { throw ValidationError("--volunteers must be between 10 and 5000") }
            guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be between 0 and 600") }
        }

        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make()
                let week = LocalDate(Date(), in: .shanghai).weekStart.adding(days: 28)
                let summary = try await context.run { context in
                    try await BenchSeed.store(
                        CommunityGenerator.week(volunteers: volunteers, seed: seed), code: code, week: week,
                        seconds: seconds, seed: seed, store: Store(pool: context.pool))
                }
                print(summary)
            }
        }
    }

    /// Requests per second and latency of the booking desk and a roster read over HTTP.
    struct API: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "api",
            abstract: "Load a running linli-server: booking proposals and roster reads, req/s and p50/p99.",
            discussion: """
                Sends POST …/bookings/proposals (a random resident, a home visit, a three-hour window
                on a random day of the published week) and GET …/rosters/{id}/assignments from
                --concurrency clients for --seconds each, after a second of warm-up, to the server
                at --url, for the community --code (see `linli bench seed`). Reads the residents
                and the roster from the database of DATABASE_URL. Benchmarks/api-vs-pgbench.sh runs
                it next to pgbench. The endpoints need a signed-in account: a bearer token
                (`linli user token`) in LINLI_BENCH_TOKEN.
                Example:
                  linli bench api --url http://127.0.0.1:8080 --code bench300 --concurrency 8
                """)

        @Option(help: "The server.") var url = "http://127.0.0.1:8080"
        @Option(help: "The community's code.") var code = "bench300"
        @Option(help: "Seconds per endpoint.") var seconds: Double = 10
        @Option(help: "Concurrent clients.") var concurrency = 8
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Only print the roster id and a sample proposal body as JSON (for the script).") var printTarget = false

        func validate() throws {
            guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be between 0 and 600") }
            guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 256") }
        }

        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make()
                let target = try await context.run { context in
                    try await BenchSeed.target(code: code, store: Store(pool: context.pool))
                }
                if printTarget {
                    var random = SystemRandomNumberGenerator()
                    let body = target.proposalBody(random: &random).map { String(decoding: $0, as: UTF8.self) } ?? ""
                    return try JobsCommand.printJSON(["roster": target.roster.description, "sample_body": body])
                }
                let base = "\(url)/api/v1/communities/\(code)"
                let results = try await APILoad.run(
                    endpoints: [
                        APILoad.Endpoint(name: "booking proposal", method: .POST, url: base + "/bookings/proposals") {
                            target.proposalBody(random: &$0)
                        },
                        APILoad.Endpoint(
                            name: "roster read", method: .GET, url: base + "/rosters/\(target.roster)/assignments"
                        ) { _ in nil },
                    ], concurrency: concurrency, seconds: seconds,
                    token: ProcessInfo.processInfo.environment["LINLI_BENCH_TOKEN"])
                if json { return try JobsCommand.printJSON(results) }
                for r in results {
                    print(
                        "\(r.name): \(Int(r.requestsPerSecond)) req/s, p50 \(Jobs.format(r.p50Ms)) ms, p99 \(Jobs.format(r.p99Ms)) ms, "
                            + "\(r.requests) requests, \(r.failures) not 2xx (\(r.concurrency) clients, \(Jobs.format(r.seconds)) s)"
                    )
                }
            }
        }
    }
}

/// Storing a generated community for the API benchmark, and reading back what it asks for.
enum BenchSeed {
    /// What `bench api` sends: the residents, the home-visit services, the week, the roster.
    struct Target: Sendable {
        var residents: [ID<Resident>]
        var services: [ID<ServiceType>]
        var week: LocalDate
        var roster: ID<Roster>

        func proposalBody(random: inout SystemRandomNumberGenerator) -> Data? {
            let day = week.adding(days: Int.random(in: 0..<7, using: &random))
            let from = [8, 9, 10, 13, 14, 15].randomElement(using: &random) ?? 9
            let body: [String: Any] = [
                "resident_id": residents.randomElement(using: &random)?.description ?? "",
                "service_type_id": services.randomElement(using: &random)?.description ?? "",
                "windows": [
                    [
                        "start": String(format: "%@T%02d:00:00+08:00", day.description, from),
                        "end": String(format: "%@T%02d:00:00+08:00", day.description, from + 3),
                    ]
                ],
            ]
            return try? JSONSerialization.data(withJSONObject: body)
        }
    }

    static func target(code: String, store: Store) async throws -> Target {
        guard
            let community = try await store.transaction(
                .administrator(),
                { tx in
                    try await OrganisationStore().community(code: code, on: tx)
                })
        else { throw ValidationError("no community with code '\(code)': run `linli bench seed --code \(code)` first") }
        return try await store.transaction(.community(community.id)) { tx in
            guard let roster = try await RosterStore().publishedRosters(communityCode: code, on: tx).last else {
                throw ValidationError("community '\(code)' has no published roster")
            }
            let published = try await RosterStore().roster(roster, on: tx)
            let services = try await ServiceTypeStore().serviceTypes(on: tx)
                .filter { $0.kind == .homeVisit && $0.requiredSkillIDs.isEmpty && !$0.sameSexAsResident }.map(\.id)
            return Target(
                residents: try await ResidentStore().residents(limit: 100_000, on: tx).map(\.id), services: services,
                week: published.weekStart, roster: roster)
        }
    }

    /// Stores `problem` as community `code` for `week` and publishes a solved roster. Returns a summary line.
    static func store(
        _ problem: SchedulingProblem, code: String, week: LocalDate, seconds: Double, seed: UInt64, store: Store
    ) async throws -> String {
        var options = SolverOptions(seed: seed, timeLimitSeconds: seconds)
        options.workers = 1
        let solution = try Solver.solve(problem, options: options)
        let community = Community(code: code, name: "基准社区 \(code)")
        try await store.transaction(.administrator()) { tx in
            guard try await OrganisationStore().community(code: code, on: tx) == nil else {
                throw ValidationError("community '\(code)' exists already")
            }
            try await OrganisationStore().createCommunity(community, on: tx)
        }
        let zone = TimeZone.shanghai
        let monday = week.startOfDay(in: zone)
        func date(_ minute: Minute) -> Date { monday.addingTimeInterval(Double(minute) * 60) }
        return try await store.transaction(.community(community.id)) { tx in
            let organisation = OrganisationStore()
            var grids: [String: ID<Grid>] = [:]
            for place in Set(problem.slots.compactMap(\.place) + problem.people.compactMap(\.homePlace)).sorted() {
                let grid = Grid(communityID: community.id, code: place, name: "网格 \(place)")
                try await organisation.createGrid(grid, on: tx)
                grids[place] = grid.id
            }
            var places: [String: ID<Place>] = [:]
            for (code, grid) in grids {
                let place = Place(communityID: community.id, gridID: grid, kind: .building, name: "\(code) 居民楼")
                try await organisation.createPlace(place, on: tx)
                places[code] = place.id
            }
            var skills: [SkillID: ID<LinliDomain.Skill>] = [:]
            for s in problem.skills {
                let skill = LinliDomain.Skill(
                    communityID: community.id, code: s.id.rawValue.lowercased(), nameZh: s.name, nameEn: s.id.rawValue)
                try await SkillStore().create(skill, on: tx)
                skills[s.id] = skill.id
            }
            // One service type per kind and the rules the generator gives its slots (half of the escorts
            // need first aid, half of the baths the resident's sex): a type carries its rules for every
            // slot of it, so one type per kind would give the published roster broken rules. Codes are
            // lower case in the database.
            struct TypeKey: Hashable { var kind: ServiceKindID; var skills: [SkillID]; var sameSex: Bool }
            func key(_ s: LinliScheduler.Slot) -> TypeKey {
                TypeKey(kind: s.kind, skills: s.requiredSkills.sorted(), sameSex: s.sameSex != nil)
            }
            var types: [TypeKey: ID<ServiceType>] = [:]
            for kind in problem.kinds {
                let slots = problem.slots.filter { $0.kind == kind.id }
                let visit = slots.contains { $0.resident != nil }, patrol = slots.contains(where: \.neverAlone)
                for rules in Set(slots.map(key)).sorted(by: {
                    ($0.skills.count, $0.sameSex ? 1 : 0) < ($1.skills.count, $1.sameSex ? 1 : 0)
                }) {
                    let skillNames = rules.skills.map { id in problem.skills.first { $0.id == id }?.name ?? id.rawValue }
                    let zh =
                        kind.name + (skillNames.isEmpty ? "" : "（需\(skillNames.joined(separator: "、"))）")
                        + (rules.sameSex ? "（同性）" : "")
                    let en =
                        kind.id.rawValue
                        + (rules.skills.isEmpty ? "" : " (\(rules.skills.map(\.rawValue).joined(separator: ", ")))")
                        + (rules.sameSex ? " (same sex)" : "")
                    let code =
                        ([kind.id.rawValue.lowercased()] + rules.skills.map { $0.rawValue.lowercased() }
                        + (rules.sameSex ? ["samesex"] : []))
                        .joined(separator: "_")
                    let type = ServiceType(
                        communityID: community.id, code: code, nameZh: zh, nameEn: en,
                        kind: visit ? .homeVisit : (patrol ? .patrol : .duty),
                        defaultMinutes: slots.first.map { $0.range.end - $0.range.start } ?? 60,
                        headcountMin: patrol ? 2 : 1, headcountMax: 4, sameSexAsResident: rules.sameSex,
                        neverAlone: patrol, priority: 50, requiredSkillIDs: rules.skills.compactMap { skills[$0] })
                    try await ServiceTypeStore().create(type, on: tx)
                    types[rules] = type.id
                }
            }
            var volunteers: [PersonID: ID<Volunteer>] = [:]
            let store = VolunteerStore()
            for (i, p) in problem.people.enumerated() {
                let l = p.limits
                let v = Volunteer(
                    communityID: community.id, externalID: p.id.rawValue, name: p.name,
                    phone: String(format: "139%08d", i + 1), sex: p.sex == .male ? .male : .female,
                    homeGridID: p.homePlace.flatMap { grids[$0] },
                    limits: VolunteerLimits(
                        maxMinutesPerWeek: l.maxMinutesPerWeek, maxMinutesPerDay: l.maxMinutesPerDay,
                        maxShiftsPerDay: l.maxShiftsPerDay, maxShiftsPerWeek: l.maxShiftsPerWeek,
                        maxConsecutiveDays: l.maxConsecutiveDays, minRestMinutes: l.minRestMinutes,
                        noEvening: l.noEvening, noNight: l.noEvening, targetMinutesPerWeek: p.targetMinutes))
                try await store.create(v, on: tx)
                volunteers[p.id] = v.id
                let windows = (p.availability ?? []).map { r in
                    AvailabilityWindow(
                        weekday: r.start / minutesPerDay + 1, startMinute: r.start % minutesPerDay,
                        endMinute: r.end - (r.start / minutesPerDay) * minutesPerDay)
                }
                try await store.setAvailability(windows, of: v.id, communityID: community.id, on: tx)
                for grant in p.skills {
                    guard let skill = skills[grant.skill] else { continue }
                    try await store.setSkill(
                        VolunteerSkill(volunteerID: v.id, skillID: skill), communityID: community.id, on: tx)
                }
            }
            // Residents: the sex the visits' same-sex rule asks for, else by turns.
            var residentSex: [String: LinliScheduler.Sex] = [:]
            for s in problem.slots { if let r = s.resident, let sex = s.sameSex, residentSex[r] == nil { residentSex[r] = sex } }
            var residents: [String: ID<Resident>] = [:]
            for (i, r) in Set(problem.slots.compactMap(\.resident)).sorted().enumerated() {
                let sex: LinliScheduler.Sex = residentSex[r] ?? (i % 3 == 0 ? .male : .female)
                let resident = Resident(
                    communityID: community.id, externalID: r, name: "居民\(i + 1)", sex: sex == .male ? .male : .female,
                    gridID: nil)
                try await ResidentStore().create(resident, on: tx)
                residents[r] = resident.id
            }
            var slots: [SlotID: ID<LinliDomain.Slot>] = [:]
            // A slot without a maximum has none for the scheduler, which may fill it past
            // required + 2: the stored maximum holds what the solution put there.
            let filled = Dictionary(solution.assignments.map { ($0.slot, 1) }, uniquingKeysWith: +)
            for s in problem.slots {
                guard let type = types[key(s)] else { continue }
                let slot = LinliDomain.Slot(
                    communityID: community.id, serviceTypeID: type, placeID: s.place.flatMap { places[$0] },
                    start: date(s.range.start), end: date(s.range.end), headcountMin: s.required,
                    headcountMax: max(s.required, s.maxHeadcount ?? s.required + 2, filled[s.id] ?? 0))
                try await SlotStore().create(slot, on: tx)
                slots[s.id] = slot.id
                if let r = s.resident, let resident = residents[r] {
                    let booking = Booking(
                        communityID: community.id, residentID: resident, serviceTypeID: type,
                        minutes: s.range.end - s.range.start, windows: [TimeWindow(start: slot.start, end: slot.end)])
                    try await BookingStore().create(booking, on: tx)
                    try await BookingStore().schedule(booking.id, slot: slot.id, on: tx)
                }
            }
            let roster = try await RosterStore().createDraft(community: community.id, week: week, on: tx)
            for a in solution.assignments {
                guard let slot = slots[a.slot], let volunteer = volunteers[a.person] else { continue }
                try await AssignmentStore().assign(
                    LinliDomain.Assignment(rosterID: roster.id, slotID: slot, volunteerID: volunteer), on: tx)
            }
            let (_, planned) = try await ReminderPlanner().publish(roster.id, on: tx)
            return
                "community \(code): \(problem.people.count) volunteers, \(residents.count) residents, \(slots.count) slots, "
                + "\(solution.assignments.count) assignments published for \(week.isoWeekName) (\(planned.reminders) reminders queued)"
        }
    }
}

/// The HTTP load itself: concurrent clients on one endpoint at a time, latencies per request.
enum APILoad {
    struct Endpoint: Sendable {
        var name: String
        var method: HTTPMethod
        var url: String
        var body: @Sendable (inout SystemRandomNumberGenerator) -> Data?
    }

    struct Result: Codable, Sendable {
        var name: String
        var concurrency: Int
        var seconds: Double
        var requests: Int
        var failures: Int
        var requestsPerSecond: Double
        var p50Ms: Double
        var p99Ms: Double
        var maxMs: Double

        enum CodingKeys: String, CodingKey {
            case name, concurrency, seconds, requests, failures
            case requestsPerSecond = "requests_per_second"
            case p50Ms = "p50_ms"
            case p99Ms = "p99_ms"
            case maxMs = "max_ms"
        }
    }

    /// Loads each endpoint in turn; `token` signs every request in (`Authorization: Bearer`).
    static func run(endpoints: [Endpoint], concurrency: Int, seconds: Double, token: String?) async throws -> [Result] {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            var results: [Result] = []
            for endpoint in endpoints {
                _ = try await measure(endpoint, client: client, concurrency: concurrency, seconds: 1, token: token)
                results.append(
                    try await measure(endpoint, client: client, concurrency: concurrency, seconds: seconds, token: token))
            }
            try await client.shutdown()
            return results
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func measure(
        _ endpoint: Endpoint, client: HTTPClient, concurrency: Int, seconds: Double, token: String?
    ) async throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        let perClient = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var random = SystemRandomNumberGenerator()
                    var latencies: [Double] = [], failures = 0
                    while clock.now < deadline {
                        var request = HTTPClientRequest(url: endpoint.url)
                        request.method = endpoint.method
                        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                        if let body = endpoint.body(&random) {
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(bytes: body))
                        }
                        let sent = clock.now
                        let response = try await client.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 64 << 20)
                        latencies.append(Self.milliseconds(clock.now - sent))
                        if !(200..<300).contains(Int(response.status.code)) { failures += 1 }
                    }
                    return (latencies, failures)
                }
            }
            return try await group.reduce(into: [([Double], Int)]()) { $0.append($1) }
        }
        let elapsed = Self.milliseconds(clock.now - start) / 1000
        let latencies = perClient.flatMap(\.0).sorted()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)]
        }
        return Result(
            name: endpoint.name, concurrency: concurrency, seconds: elapsed, requests: latencies.count,
            failures: perClient.reduce(0) { $0 + $1.1 }, requestsPerSecond: Double(latencies.count) / elapsed,
            p50Ms: percentile(0.5), p99Ms: percentile(0.99), maxMs: latencies.last ?? 0)
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
