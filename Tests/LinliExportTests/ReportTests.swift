import Foundation
import LinliDomain
import LinliExport
import Testing

@Suite("Export reports")
struct ReportTests {
    @Test("ISO weeks, months and ranges")
    func periods() throws {
        let w48 = try #require(ReportPeriod(isoWeek: "2026-W48"))
        #expect(w48.from.description == "2026-11-23" && w48.through.description == "2026-11-29")
        #expect(w48.description == "2026-W48")
        #expect(ReportPeriod(isoWeek: "2026w48") == w48)
        // 2026-01-01 is a Thursday: week 1 starts on 2025-12-29; 2026 has 53 weeks.
        #expect(ReportPeriod(isoWeek: "2026-W01")?.from.description == "2025-12-29")
        #expect(ReportPeriod(isoWeek: "2026-W53")?.through.description == "2027-01-03")
        #expect(ReportPeriod(isoWeek: "2025-W53") == nil)
        #expect(ReportPeriod(isoWeek: "2026-W00") == nil)
        #expect(ReportPeriod(isoWeek: "2026-11-23") == nil)
        #expect(ReportPeriod.week(containing: LocalDate(iso: "2025-12-31")!).description == "2026-W01")
        let february = try #require(ReportPeriod(month: "2028-02"))
        #expect(february.through.description == "2028-02-29")
        #expect(ReportPeriod(month: "2026-12")?.through.description == "2026-12-31")
        #expect(ReportPeriod(month: "2026-13") == nil)
        #expect(ReportPeriod(from: LocalDate(iso: "2026-11-02")!, through: LocalDate(iso: "2026-11-01")!) == nil)
        #expect(ReportPeriod(month: "2026-11")?.description == "2026-11-01..2026-11-30")
    }

    @Test("a roster line becomes cells and an event; an unfilled slot has no event")
    func rosterLine() throws {
        var line = RosterLine(
            slotID: ID(), start: mondayMorning, end: mondayMorning.addingTimeInterval(3600), serviceCode: "patrol_day",
            serviceNameZh: "白天巡逻", serviceNameEn: "Day patrol", kind: .patrol, place: "东区巡逻路线", grid: "第一网格",
            team: "三老巡逻一队", slotVersion: 2, headcountMin: 2, headcountMax: 3, filled: 1, rosterVersion: 3,
            volunteer: .init(id: ID(), name: "王芳", phone: "13800000001", externalID: "V0001"))
        let cells = RosterExport.cells(line)
        #expect(cells.count == RosterExport.table.columns.count)
        #expect(cells[0] == .date(LocalDate(iso: "2026-11-23")!))
        #expect(cells[1] == .text("周一 Mon"))
        #expect(cells[13] == .text("已排 assigned"))
        #expect(cells[14] == .integer(1))
        let event = try #require(RosterExport.event(line))
        #expect(event.summary == "白天巡逻 · 王芳")
        #expect(event.location == "东区巡逻路线 · 第一网格")
        #expect(event.sequence == 3, "slot version 2 and roster version 3 both count")
        #expect(event.uid == "\(line.slotID)-\(line.volunteer!.id)@linli")
        line.volunteer = nil
        #expect(RosterExport.event(line) == nil)
        #expect(RosterExport.cells(line)[13] == .text("空缺 unfilled"))
        line.isCancelled = true
        #expect(RosterExport.cells(line)[13] == .text("已取消 cancelled"))
    }

    @Test("every table's rows are as wide as its header")
    func widths() {
        let volunteer = VolunteerLine(id: ID(), name: "王芳", sex: .female, groups: [.partyMember, .youth])
        let cells = VolunteerExport.cells(volunteer)
        #expect(cells.count == VolunteerExport.table.columns.count)
        #expect(cells[6] == .text("党员、青年"))
        for grouping in HoursGrouping.allCases {
            let line = HoursLine(grouping: grouping, id: "x", name: "n", minutes: 90, count: 2)
            let row = HoursExport.cells(line, from: LocalDate(iso: "2026-11-01")!, through: LocalDate(iso: "2026-11-30")!)
            #expect(row.count == HoursExport.table(grouping).columns.count)
            #expect(row.contains(.decimal(1.5)))
        }
    }
}
