import Foundation
import LinliDomain
import LinliExport
import LinliTestSupport
import Testing

let slotA = ID<Slot>()
let volunteerA = ID<Volunteer>()

/// A calendar with a confirmed and a cancelled shift, with text that needs escaping and folding.
func sampleCalendar() throws -> Data {
    let collector = Collector()
    let calendar = try ICalendarWriter(
        sink: collector.sink, name: "幸福里社区 排班 Roster 2026-W48", stamp: Date(timeIntervalSince1970: 1_795_000_000))
    try calendar.write(
        CalendarEvent(
            slotID: slotA, volunteerID: volunteerA, start: mondayMorning, end: mondayMorning.addingTimeInterval(7200),
            summary: "社区服务站值班 · 王芳", location: "幸福里社区服务站; 一楼, 东侧",
            description: "服务 Service: 社区服务站值班 Service desk\n人数 Headcount: 1 / 2–3\\备注", sequence: 3))
    try calendar.write(
        CalendarEvent(
            slotID: ID(), volunteerID: volunteerA, start: mondayMorning.addingTimeInterval(86_400),
            end: mondayMorning.addingTimeInterval(86_400 + 3600),
            summary: String(repeating: "长", count: 40) + " · 李建国", sequence: 0, isCancelled: true))
    try calendar.finish()
    return collector.data
}

@Suite("iCalendar writer")
struct ICalendarWriterTests {
    @Test("TEXT escaping of backslash, semicolon, comma and line breaks")
    func escaping() {
        #expect(ICalendarWriter.escape("a\\b;c,d\ne\r\nf\rg") == "a\\\\b\\;c\\,d\\ne\\nf\\ng")
        #expect(ICalendarWriter.escape("铃\u{7}声") == "铃声")
    }

    @Test("folding at 75 octets never splits a UTF-8 sequence, and unfolds to the original")
    func folding() {
        // 'SUMMARY:' is 8 octets, then 3-octet characters: 8 + 22×3 = 74, so the 23rd
        // character would cross the boundary and must move whole to the next line.
        for prefix in ["SUMMARY:", "SUMMARY:x", "SUMMARY:xy"] {
            let line = prefix + String(repeating: "邻", count: 60) + "😀end"
            let folded = Array(ICalendarWriter.fold(line).utf8)
            #expect(folded.suffix(2) == [0x0D, 0x0A])
            // Physical lines, as octets: split at CRLF.
            var physical: [[UInt8]] = [[]]
            for byte in folded.dropLast(2) {
                if byte == 0x0A, physical[physical.count - 1].last == 0x0D {
                    physical[physical.count - 1].removeLast()
                    physical.append([])
                } else {
                    physical[physical.count - 1].append(byte)
                }
            }
            #expect(physical.count > 1)
            for (index, part) in physical.enumerated() {
                #expect(part.count <= 75, "line \(index) has \(part.count) octets")
                #expect(String(validating: part, as: UTF8.self) != nil, "line \(index) splits a UTF-8 sequence")
                if index > 0 { #expect(part.first == 0x20, "a continuation line starts with a space") }
            }
            #expect(physical[0].count >= 73, "the first line is filled up to the boundary")
            let unfolded = physical.enumerated().flatMap { index, part in index == 0 ? part : Array(part.dropFirst()) }
            #expect(String(decoding: unfolded, as: UTF8.self) == line)
        }
        #expect(ICalendarWriter.fold("VERSION:2.0") == "VERSION:2.0\r\n")
    }

    @Test("structure: PUBLISH, Asia/Shanghai VTIMEZONE, stable UID, SEQUENCE, STATUS, CRLF only")
    func structure() throws {
        let text = String(decoding: try sampleCalendar(), as: UTF8.self)
        let unfolded = text.replacingOccurrences(of: "\r\n ", with: "")
        let lines = unfolded.components(separatedBy: "\r\n")
        #expect(lines.first == "BEGIN:VCALENDAR")
        #expect(lines.last == "")
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no bare LF")
        for expected in [
            "VERSION:2.0", "PRODID:-//Linli//Linli Roster//ZH", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
            "X-WR-CALNAME:幸福里社区 排班 Roster 2026-W48", "TZID:Asia/Shanghai", "TZOFFSETFROM:+0800", "TZOFFSETTO:+0800",
            "TZNAME:CST", "UID:\(slotA)-\(volunteerA)@linli", "DTSTAMP:20261118T110640Z",
            "DTSTART;TZID=Asia/Shanghai:20261123T083000", "DTEND;TZID=Asia/Shanghai:20261123T103000", "SEQUENCE:3",
            "STATUS:CONFIRMED", "STATUS:CANCELLED", "LOCATION:幸福里社区服务站\\; 一楼\\, 东侧",
            "DESCRIPTION:服务 Service: 社区服务站值班 Service desk\\n人数 Headcount: 1 / 2–3\\\\备注", "END:VCALENDAR",
        ] {
            #expect(lines.contains(expected), "missing \(expected)")
        }
        #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == 2)
    }

    @Test(
        "Python's icalendar reads it without errors, with the right times, zone and text",
        .enabled(if: !PythonValidator.isSkipped, "deploy/test.sh could not pip install icalendar (offline?)"))
    func independentReader() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("linli-\(UUID().uuidString).ics")
        try sampleCalendar().write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try PythonValidator.icalendar(file)
        #expect(result["method"] as? String == "PUBLISH")
        #expect(result["version"] as? String == "2.0")
        #expect(result["zones"] as? [String] == ["Asia/Shanghai"])
        let events = try #require(result["events"] as? [[String: Any]])
        #expect(events.count == 2)
        let first = events[0]
        #expect(first["uid"] as? String == "\(slotA)-\(volunteerA)@linli")
        #expect(first["summary"] as? String == "社区服务站值班 · 王芳")
        #expect(first["location"] as? String == "幸福里社区服务站; 一楼, 东侧")
        #expect(first["description"] as? String == "服务 Service: 社区服务站值班 Service desk\n人数 Headcount: 1 / 2–3\\备注")
        #expect(first["start"] as? String == "2026-11-23T08:30:00+08:00")
        #expect(first["end"] as? String == "2026-11-23T10:30:00+08:00")
        #expect(first["tzid"] as? String == "Asia/Shanghai")
        #expect(first["utcoffset"] as? Double == 28_800)
        #expect(first["sequence"] as? Int == 3)
        #expect(first["status"] as? String == "CONFIRMED")
        #expect(events[1]["status"] as? String == "CANCELLED")
        #expect(events[1]["summary"] as? String == String(repeating: "长", count: 40) + " · 李建国")
    }

    @Test("a zone with summer time is refused")
    func summerTime() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        #expect { _ = try ICalendarWriter(sink: Collector().sink, name: "x", timeZone: berlin) } throws: {
            ($0 as? ExportError)?.code == .unsupported
        }
    }
}
