import Foundation

/// Deterministic generator of realistic community weeks (patrols, home-care visits, duty shifts) for
/// benchmarks (`linli bench generate`) and tests. The same arguments always give the same problem.
public enum CommunityGenerator {
    /// A week for `volunteers` people: about volunteers/5 patrol shifts, 4/3·volunteers home visits and
    /// volunteers/3 duty shifts, over volunteers/30 grids.
    public static func week(volunteers n: Int, seed: UInt64 = 1) -> SchedulingProblem {
        var r = Rng(seed: seed &+ 0x5EED)
        let nPeople = max(4, n)
        let grids = (0..<max(2, nPeople / 30)).map { "G\($0 + 1)" }
        let nurse = SkillID("nurse"), team = SkillID("patrolTeam"), aid = SkillID("firstAid")
        let skills = [Skill(id: nurse, name: "护理员证"), Skill(id: team, name: "三老巡逻队"), Skill(id: aid, name: "急救证")]
        let kindNames: [(String, String)] = [
            ("patrolAM", "早巡"), ("patrolPM", "晚巡"), ("meal", "助餐"), ("clean", "助洁"),
            ("bath", "助浴"), ("check", "探访"), ("chat", "陪聊"), ("escort", "助医"), ("duty", "值班"),
        ]
        let kinds = kindNames.map { ServiceKind(id: ServiceKindID($0.0), name: $0.1) }
        func at(_ d: Int, _ h: Int, _ m: Int = 0) -> Minute { d * minutesPerDay + h * 60 + m }
        let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"]
        let given = ["芳", "强", "伟", "秀英", "敏", "静", "丽", "军", "磊", "洋", "勇", "艳"]

        var people: [Person] = []
        for i in 0..<nPeople {
            let sex: Sex = r.int(5) < 3 ? .female : .male
            var sk: [SkillGrant] = []
            let patroller = r.int(100) < 18
            if patroller { sk.append(SkillGrant(skill: team)) }
            if !patroller && r.int(100) < 35 {
                sk.append(SkillGrant(skill: nurse, expiresAt: r.int(10) == 0 ? at(2 + r.int(4), 0) : nil))
            }
            if r.int(4) == 0 { sk.append(SkillGrant(skill: aid)) }
            var availability: [MinuteRange] = []
            for d in 0..<7 where r.int(100) < 60 {
                switch r.int(3) {
                case 0: availability.append(MinuteRange(start: at(d, 7), end: at(d, 12)))
                case 1: availability.append(MinuteRange(start: at(d, 13), end: at(d, 18)))
                default: availability.append(MinuteRange(start: at(d, 7), end: at(d, 21, 30)))
                }
            }
            var absences: [Absence] = []
            if r.int(12) == 0 { let d = r.int(7); absences.append(Absence(range: .days(d, min(6, d + r.int(3))), reason: "请假")) }
            let lim = PersonLimits(
                maxMinutesPerDay: patroller ? 240 : 300, maxMinutesPerWeek: patroller ? 480 : 240 + 60 * r.int(8),
                maxShiftsPerDay: patroller ? 1 : 1 + r.int(3), maxShiftsPerWeek: patroller ? 3 + r.int(2) : nil,
                maxConsecutiveDays: r.int(3) == 0 ? 4 : nil, minRestMinutes: patroller ? 60 : 15,
                noEvening: patroller && r.int(3) == 0)
            people.append(
                Person(
                    id: PersonID("v\(i + 1)"), name: surnames[r.int(surnames.count)] + given[r.int(given.count)],
                    sex: sex, skills: sk, isLeader: patroller && r.int(4) == 0, homePlace: grids[r.int(grids.count)],
                    availability: availability, absences: absences, limits: lim,
                    targetMinutes: r.int(3) == 0 ? 120 : nil))
        }
        var slots: [Slot] = []
        // patrols: ~n/5, split morning / evening over the week
        let nPatrols = max(2, nPeople / 5)
        for k in 0..<nPatrols {
            let d = k % 7, am = (k / 7) % 2 == 0
            slots.append(
                Slot(
                    id: SlotID("patrol\(k + 1)"), kind: ServiceKindID(am ? "patrolAM" : "patrolPM"),
                    range: am ? MinuteRange(start: at(d, 8), end: at(d, 10)) : MinuteRange(start: at(d, 19), end: at(d, 21)),
                    place: grids[r.int(grids.count)], requiredSkills: [team], required: 2 + r.int(2), maxHeadcount: 4,
                    underWeight: 150, overWeight: 20, priority: 1, neverAlone: true, needsLeader: r.int(2) == 0))
        }
        // home visits: ~4n/3
        let nVisits = max(2, nPeople * 4 / 3)
        let visitKinds = ["meal", "clean", "bath", "check", "chat", "escort"]
        for k in 0..<nVisits {
            let kind = visitKinds[r.int(visitKinds.count)]
            let d = r.int(7)
            let dur = kind == "meal" ? 60 : (kind == "escort" ? 180 : 60 + 30 * r.int(3))
            let startH = 8 + r.int(8)
            let livingAlone = r.int(3) == 0
            let bath = kind == "bath"
            let g = grids[r.int(grids.count)]
            let pref: [PersonID] = r.int(3) == 0 ? [people[r.int(people.count)].id] : []
            let aidNeeded = kind == "escort" && r.int(2) == 0, pair = bath && r.int(4) == 0
            // A bath asks for the resident's sex, so every bath of one resident asks for the same one. (The
            // draw that once chose it stays, so that every other generated value is as before.)
            if bath { _ = r.int(2) }
            let resident = r.int(max(1, nVisits / 3)) + 1
            slots.append(
                Slot(
                    id: SlotID("visit\(k + 1)"), kind: ServiceKindID(kind),
                    range: MinuteRange(start: at(d, startH), end: at(d, startH) + dur), place: g,
                    requiredSkills: bath ? [nurse] : (aidNeeded ? [aid] : []),
                    required: pair ? 2 : 1, maxHeadcount: bath ? 2 : 1,
                    underWeight: kind == "check" && livingAlone ? 500 : (bath ? 300 : 200), overWeight: 50,
                    priority: kind == "check" && livingAlone ? 3 : 2, sameSex: bath ? (resident % 2 == 0 ? .female : .male) : nil,
                    resident: "r\(resident)", preferredPeople: pref))
        }
        // duty shifts: ~n/3
        let nDuties = max(1, nPeople / 3)
        for k in 0..<nDuties {
            let d = k % 7, morning = r.int(2) == 0
            slots.append(
                Slot(
                    id: SlotID("duty\(k + 1)"), kind: "duty",
                    range: morning ? MinuteRange(start: at(d, 9), end: at(d, 12)) : MinuteRange(start: at(d, 14), end: at(d, 17)),
                    place: grids[r.int(grids.count)], required: 1 + r.int(2), underWeight: 30, overWeight: 5))
        }
        var requests: [ShiftRequest] = []
        for _ in 0..<(nPeople / 10) {
            requests.append(
                ShiftRequest(person: people[r.int(people.count)].id, day: r.int(7), kind: nil, wantsOn: false, weight: 10))
        }
        return SchedulingProblem(
            name: "generated-\(nPeople)-\(seed)", horizonDays: 7, skills: skills, kinds: kinds,
            people: people, slots: slots, requests: requests,
            forbiddenSuccessions: [ForbiddenSuccession(first: "patrolPM", then: "patrolAM")],
            travelMinutes: 15, weights: SoftWeights())
    }
}
