import Foundation

/// An instance of the Curtois & Qu Shift Scheduling Benchmark (schedulingbenchmarks.org text format).
public struct NRPInstance: Sendable, Hashable {
    /// A shift type: ID, length, and the shift types that may not be worked the day after it.
    public struct Shift: Sendable, Hashable {
        public var id: String
        public var minutes: Int
        public var cannotFollow: [String]
    }
    /// One employee and their hard limits.
    public struct Staff: Sendable, Hashable {
        public var id: String
        public var maxShifts: [String: Int]
        public var maxTotalMinutes: Int
        public var minTotalMinutes: Int
        public var maxConsecutiveShifts: Int
        public var minConsecutiveShifts: Int
        public var minConsecutiveDaysOff: Int
        public var maxWeekends: Int
    }
    /// A shift-on or shift-off request.
    public struct Request: Sendable, Hashable {
        public var employee: String
        public var day: Int
        public var shift: String
        public var weight: Int
    }
    /// Cover requirement for one day and shift type.
    public struct Cover: Sendable, Hashable {
        public var day: Int
        public var shift: String
        public var requirement: Int
        public var underWeight: Int
        public var overWeight: Int
    }

    public var horizonDays: Int
    public var shifts: [Shift]
    public var staff: [Staff]
    public var daysOff: [String: [Int]]
    public var onRequests: [Request]
    public var offRequests: [Request]
    public var cover: [Cover]

    /// Parses the benchmark's text format (LF or CRLF). Errors name the line and what is wrong.
    public static func parse(text: String) throws -> NRPInstance {
        var section = ""
        var horizon: Int?
        var shifts: [Shift] = [], staff: [Staff] = [], on: [Request] = [], off: [Request] = [], cover: [Cover] = []
        var daysOff: [String: [Int]] = [:]
        var lineNo = 0
        func fail(_ m: String) -> SchedulerError { .parse(line: lineNo, message: m) }
        func int(_ s: Substring, _ what: String) throws -> Int {
            guard let v = Int(s.trimmingCharacters(in: .whitespaces)) else {
                throw fail("\(what) must be an integer, found '\(s)'")
            }
            return v
        }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for raw in lines {
            lineNo += 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("SECTION_") { section = line; continue }
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            switch section {
            case "SECTION_HORIZON":
                guard horizon == nil else { throw fail("horizon given twice") }
                let h = try int(f[0], "horizon length")
                guard h > 0 else { throw fail("horizon length must be positive") }
                horizon = h
            case "SECTION_SHIFTS":
                guard f.count >= 2 else { throw fail("shift needs 'ID, minutes, cannot-follow list', found '\(line)'") }
                let id = f[0].trimmingCharacters(in: .whitespaces)
                guard !id.isEmpty else { throw fail("empty shift ID") }
                let len = try int(f[1], "shift length")
                guard len > 0, len <= minutesPerDay else { throw fail("shift length \(len) out of range 1...1440") }
                let cf =
                    f.count > 2
                    ? f[2].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : []
                guard !shifts.contains(where: { $0.id == id }) else { throw fail("shift '\(id)' defined twice") }
                shifts.append(Shift(id: id, minutes: len, cannotFollow: cf))
            case "SECTION_STAFF":
                guard f.count == 8 else { throw fail("staff line needs 8 fields, found \(f.count)") }
                let id = f[0].trimmingCharacters(in: .whitespaces)
                guard !id.isEmpty else { throw fail("empty employee ID") }
                var ms: [String: Int] = [:]
                for part in f[1].split(separator: "|") {
                    let kv = part.split(separator: "=")
                    guard kv.count == 2 else { throw fail("MaxShifts entry must be 'shift=count', found '\(part)'") }
                    let sid = kv[0].trimmingCharacters(in: .whitespaces)
                    guard shifts.contains(where: { $0.id == sid }) else { throw fail("MaxShifts names unknown shift '\(sid)'") }
                    ms[sid] = try int(kv[1], "MaxShifts count")
                }
                guard !staff.contains(where: { $0.id == id }) else { throw fail("employee '\(id)' defined twice") }
                staff.append(
                    Staff(
                        id: id, maxShifts: ms, maxTotalMinutes: try int(f[2], "MaxTotalMinutes"),
                        minTotalMinutes: try int(f[3], "MinTotalMinutes"),
                        maxConsecutiveShifts: try int(f[4], "MaxConsecutiveShifts"),
                        minConsecutiveShifts: try int(f[5], "MinConsecutiveShifts"),
                        minConsecutiveDaysOff: try int(f[6], "MinConsecutiveDaysOff"),
                        maxWeekends: try int(f[7], "MaxWeekends")))
            case "SECTION_DAYS_OFF":
                let id = f[0].trimmingCharacters(in: .whitespaces)
                guard staff.contains(where: { $0.id == id }) else { throw fail("days off for unknown employee '\(id)'") }
                for d in f.dropFirst() where !d.trimmingCharacters(in: .whitespaces).isEmpty {
                    let day = try int(d, "day index")
                    guard let h = horizon, day >= 0, day < h else { throw fail("day \(day) outside the horizon") }
                    daysOff[id, default: []].append(day)
                }
            case "SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS":
                guard f.count == 4 else { throw fail("request needs 'employee, day, shift, weight', found '\(line)'") }
                let e = f[0].trimmingCharacters(in: .whitespaces), s = f[2].trimmingCharacters(in: .whitespaces)
                guard staff.contains(where: { $0.id == e }) else { throw fail("request for unknown employee '\(e)'") }
                guard shifts.contains(where: { $0.id == s }) else { throw fail("request names unknown shift '\(s)'") }
                let day = try int(f[1], "day")
                guard let h = horizon, day >= 0, day < h else { throw fail("day \(day) outside the horizon") }
                let r = Request(employee: e, day: day, shift: s, weight: try int(f[3], "weight"))
                if section == "SECTION_SHIFT_ON_REQUESTS" { on.append(r) } else { off.append(r) }
            case "SECTION_COVER":
                guard f.count == 5 else {
                    throw fail("cover needs 'day, shift, requirement, under weight, over weight', found '\(line)'")
                }
                let s = f[1].trimmingCharacters(in: .whitespaces)
                guard shifts.contains(where: { $0.id == s }) else { throw fail("cover names unknown shift '\(s)'") }
                let day = try int(f[0], "day")
                guard let h = horizon, day >= 0, day < h else { throw fail("day \(day) outside the horizon") }
                cover.append(
                    Cover(
                        day: day, shift: s, requirement: try int(f[2], "requirement"),
                        underWeight: try int(f[3], "under weight"), overWeight: try int(f[4], "over weight")))
            case "":
                throw fail("data before any SECTION_ header")
            default:
                throw fail("unknown section \(section)")
            }
        }
        guard let h = horizon else { throw SchedulerError.parse(line: lineNo, message: "missing SECTION_HORIZON") }
        guard !shifts.isEmpty else { throw SchedulerError.parse(line: lineNo, message: "no shifts defined") }
        guard !staff.isEmpty else { throw SchedulerError.parse(line: lineNo, message: "no staff defined") }
        for s in shifts {
            for c in s.cannotFollow where !shifts.contains(where: { $0.id == c }) {
                throw SchedulerError.parse(line: lineNo, message: "shift '\(s.id)' cannot-follow names unknown shift '\(c)'")
            }
        }
        return NRPInstance(
            horizonDays: h, shifts: shifts, staff: staff, daysOff: daysOff, onRequests: on,
            offRequests: off, cover: cover)
    }

    /// Slot ID used for the cover of `shift` on `day` in `toProblem()`.
    public static func slotID(day: Int, shift: String) -> SlotID { SlotID("d\(day)-\(shift)") }

    /// Converts the instance into Linli's own model. The model's soft score equals the benchmark objective.
    public func toProblem() -> SchedulingProblem {
        let kinds = shifts.map { ServiceKind(id: ServiceKindID($0.id), name: $0.id) }
        var people: [Person] = []
        for s in staff {
            var perKind: [ServiceKindID: Int] = [:]
            for sh in shifts { perKind[ServiceKindID(sh.id)] = s.maxShifts[sh.id] ?? horizonDays }
            let lim = PersonLimits(
                minMinutesTotal: s.minTotalMinutes, maxMinutesTotal: s.maxTotalMinutes,
                maxShiftsPerDay: 1, maxShiftsPerKind: perKind,
                maxConsecutiveDays: s.maxConsecutiveShifts, minConsecutiveDays: s.minConsecutiveShifts,
                minConsecutiveDaysOff: s.minConsecutiveDaysOff, maxWeekends: s.maxWeekends)
            let abs = (daysOff[s.id] ?? []).sorted().map { Absence(range: .days($0, $0), reason: "day off") }
            people.append(Person(id: PersonID(s.id), name: s.id, absences: abs, limits: lim))
        }
        var coverBy: [String: Cover] = [:]
        for c in cover { coverBy["\(c.day)|\(c.shift)"] = c }
        var slots: [Slot] = []
        for d in 0..<horizonDays {
            for sh in shifts {
                let c = coverBy["\(d)|\(sh.id)"]
                let start = d * minutesPerDay
                slots.append(
                    Slot(
                        id: Self.slotID(day: d, shift: sh.id), kind: ServiceKindID(sh.id),
                        range: MinuteRange(start: start, end: start + sh.minutes),
                        required: c?.requirement ?? 0, underWeight: c?.underWeight ?? 0,
                        overWeight: c?.overWeight ?? 0))
            }
        }
        var reqs: [ShiftRequest] = []
        for r in onRequests {
            reqs.append(
                ShiftRequest(
                    person: PersonID(r.employee), day: r.day, kind: ServiceKindID(r.shift), wantsOn: true, weight: r.weight))
        }
        for r in offRequests {
            reqs.append(
                ShiftRequest(
                    person: PersonID(r.employee), day: r.day, kind: ServiceKindID(r.shift), wantsOn: false, weight: r.weight))
        }
        var succ: [ForbiddenSuccession] = []
        for s in shifts {
            for c in s.cannotFollow { succ.append(ForbiddenSuccession(first: ServiceKindID(s.id), then: ServiceKindID(c))) }
        }
        return SchedulingProblem(
            name: "NRP", horizonDays: horizonDays, kinds: kinds, people: people, slots: slots,
            requests: reqs, forbiddenSuccessions: succ, weights: .none)
    }

    /// Turns a solution of `toProblem()` into the benchmark roster: `roster[employee][day]` = shift ID or nil.
    public func roster(from assignments: [Assignment]) -> [[String?]] {
        var grid = Array(repeating: [String?](repeating: nil, count: horizonDays), count: staff.count)
        var staffIndex: [String: Int] = [:]
        for (i, s) in staff.enumerated() { staffIndex[s.id] = i }
        var slotMap: [SlotID: (Int, String)] = [:]
        for d in 0..<horizonDays { for sh in shifts { slotMap[Self.slotID(day: d, shift: sh.id)] = (d, sh.id) } }
        for a in assignments {
            guard let p = staffIndex[a.person.rawValue], let (d, s) = slotMap[a.slot] else { continue }
            grid[p][d] = s  // a second shift on the same day is caught by the validator via assignments count
        }
        return grid
    }
}

/// Writes a roster as plain text: one line per employee, the ID then one token per day (shift ID or `-`).
public enum RosterTextWriter {
    public static func write(instance: NRPInstance, roster: [[String?]]) -> String {
        var out = ""
        for (i, s) in instance.staff.enumerated() {
            out += s.id
            for d in 0..<instance.horizonDays {
                out += " " + ((i < roster.count && d < roster[i].count ? roster[i][d] : nil) ?? "-")
            }
            out += "\n"
        }
        return out
    }
}

/// Result of checking a roster against the benchmark rules.
public struct NRPValidationReport: Sendable, Hashable {
    /// Every hard rule broken, in words.
    public var violations: [String]
    /// The benchmark objective, recomputed from scratch.
    public var objective: Int
    public var coverPenalty: Int
    public var requestPenalty: Int
    public var isFeasible: Bool { violations.isEmpty }
}

/// Independent checker of the benchmark rules (written separately from the solver's incremental scoring).
public enum NRPValidator {
    /// Checks every hard rule and recomputes the objective. `roster[employee][day]` is a shift ID or nil.
    public static func validate(instance ins: NRPInstance, roster: [[String?]]) -> NRPValidationReport {
        var v: [String] = []
        let H = ins.horizonDays
        var len: [String: Int] = [:]
        var cannot: [String: Set<String>] = [:]
        for s in ins.shifts { len[s.id] = s.minutes; cannot[s.id] = Set(s.cannotFollow) }
        if roster.count != ins.staff.count { v.append("roster has \(roster.count) rows, expected \(ins.staff.count)") }
        var count: [String: Int] = [:]  // "day|shift" -> number working
        for (i, st) in ins.staff.enumerated() where i < roster.count {
            let row = roster[i]
            if row.count != H { v.append("\(st.id): \(row.count) days, expected \(H)"); continue }
            var minutes = 0
            var perShift: [String: Int] = [:]
            for d in 0..<H {
                guard let s = row[d] else { continue }
                guard let l = len[s] else { v.append("\(st.id) day \(d): unknown shift \(s)"); continue }
                minutes += l
                perShift[s, default: 0] += 1
                count["\(d)|\(s)", default: 0] += 1
                if d + 1 < H, let n = row[d + 1], cannot[s]?.contains(n) == true {
                    v.append("\(st.id) day \(d)-\(d + 1): \(n) cannot follow \(s)")
                }
            }
            for (s, c) in perShift where c > (st.maxShifts[s] ?? H) {
                v.append("\(st.id): \(c) shifts of \(s), max \(st.maxShifts[s] ?? H)")
            }
            if minutes > st.maxTotalMinutes { v.append("\(st.id): \(minutes) minutes > max \(st.maxTotalMinutes)") }
            if minutes < st.minTotalMinutes { v.append("\(st.id): \(minutes) minutes < min \(st.minTotalMinutes)") }
            // Runs of worked days and days off.
            var d = 0
            while d < H {
                let working = row[d] != nil
                var e = d
                while e + 1 < H && (row[e + 1] != nil) == working { e += 1 }
                let runLen = e - d + 1
                let bounded = d > 0 && e < H - 1
                if working {
                    if runLen > st.maxConsecutiveShifts {
                        v.append("\(st.id) days \(d)-\(e): \(runLen) consecutive shifts > \(st.maxConsecutiveShifts)")
                    }
                    if bounded && runLen < st.minConsecutiveShifts {
                        v.append("\(st.id) days \(d)-\(e): \(runLen) consecutive shifts < \(st.minConsecutiveShifts)")
                    }
                } else if bounded && runLen < st.minConsecutiveDaysOff {
                    v.append("\(st.id) days \(d)-\(e): \(runLen) consecutive days off < \(st.minConsecutiveDaysOff)")
                }
                d = e + 1
            }
            var weekends = 0
            for w in 0..<(H / 7) where row[w * 7 + 5] != nil || row[w * 7 + 6] != nil { weekends += 1 }
            if weekends > st.maxWeekends { v.append("\(st.id): \(weekends) weekends > \(st.maxWeekends)") }
            for off in ins.daysOff[st.id] ?? [] where off < H && row[off] != nil {
                v.append("\(st.id) day \(off): works on a day off")
            }
        }
        var req = 0
        var staffIdx: [String: Int] = [:]
        for (i, s) in ins.staff.enumerated() { staffIdx[s.id] = i }
        func works(_ e: String, _ d: Int) -> String? {
            guard let i = staffIdx[e], i < roster.count, d < roster[i].count else { return nil }
            return roster[i][d]
        }
        for r in ins.onRequests where works(r.employee, r.day) != r.shift { req += r.weight }
        for r in ins.offRequests where works(r.employee, r.day) == r.shift { req += r.weight }
        var cov = 0
        for c in ins.cover {
            let n = count["\(c.day)|\(c.shift)"] ?? 0
            if n < c.requirement { cov += (c.requirement - n) * c.underWeight }
            if n > c.requirement { cov += (n - c.requirement) * c.overWeight }
        }
        return NRPValidationReport(violations: v, objective: req + cov, coverPenalty: cov, requestPenalty: req)
    }
}

extension NRPInstance {
    /// Proven optimal objectives of the benchmark instances (schedulingbenchmarks.org), by file stem.
    public static let bestKnown: [String: Int] = [
        "Instance1": 607, "Instance2": 828, "Instance3": 1001, "Instance4": 1716, "Instance5": 1143,
        "Instance6": 1950, "Instance7": 1056, "Instance8": 1300, "Instance9": 439, "Instance10": 4631,
        "Instance11": 3443, "Instance12": 4040, "Instance13": 1348, "Instance14": 1278, "Instance15": 3828,
        "Instance16": 3225, "Instance17": 5746, "Instance18": 4459, "Instance19": 3149, "Instance20": 4769,
        "Instance21": 21133, "Instance22": 30244, "Instance23": 17285, "Instance24": 42463,
    ]
}
