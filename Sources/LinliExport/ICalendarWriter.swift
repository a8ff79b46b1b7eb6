import Foundation
import LinliDomain

/// One shift in a calendar feed: a volunteer on a slot.
public struct CalendarEvent: Sendable, Hashable {
    public var slotID: ID<Slot>
    public var volunteerID: ID<Volunteer>
    public var start: Date
    public var end: Date
    public var summary: String
    public var location: String?
    public var description: String?
    /// Grows whenever the event changes (RFC 5545 SEQUENCE), so calendars take the new one.
    public var sequence: Int
    /// The slot was cancelled: the event stays in the feed marked CANCELLED.
    public var isCancelled: Bool

    public init(
        slotID: ID<Slot>, volunteerID: ID<Volunteer>, start: Date, end: Date, summary: String, location: String? = nil,
        description: String? = nil, sequence: Int = 0, isCancelled: Bool = false
    ) {
        self.slotID = slotID
        self.volunteerID = volunteerID
        self.start = start
        self.end = end
        self.summary = summary
        self.location = location
        self.description = description
        self.sequence = sequence
        self.isCancelled = isCancelled
    }

    /// Stable across exports and roster versions: the same person on the same slot is the same
    /// event, so a calendar that subscribed updates it instead of adding a duplicate.
    public var uid: String { "\(slotID)-\(volunteerID)@linli" }
}

/// Writes an iCalendar feed (RFC 5545) of shifts that phone and desktop calendars subscribe to:
/// METHOD:PUBLISH, an Asia/Shanghai VTIMEZONE, local DTSTART/DTEND with TZID, stable UIDs,
/// SEQUENCE, STATUS:CONFIRMED or CANCELLED, TEXT escaping, lines folded at 75 octets without
/// splitting a UTF-8 sequence, CRLF line ends.
///
/// Written by hand: the format is a few line rules, and no maintained Swift library writes it
/// as a stream.
public final class ICalendarWriter {
    private let output: BufferedOutput
    private let timeZone: TimeZone
    private let stamp: String
    private var finished = false

    /// Writes the calendar's header and time zone. `timeZone` must keep one offset all year
    /// (Asia/Shanghai does); `stamp` is the DTSTAMP of every event (when the feed was made).
    public init(sink: ExportSink, name: String, timeZone: TimeZone = .shanghai, stamp: Date = Date()) throws(ExportError) {
        guard timeZone.nextDaylightSavingTimeTransition(after: stamp) == nil, !timeZone.isDaylightSavingTime(for: stamp)
        else {
            throw ExportError(
                code: .unsupported, zh: "日历导出只支持全年不变时差的时区（如 Asia/Shanghai），\(timeZone.identifier) 有夏令时",
                en:
                    "calendar export supports zones with one offset all year (such as Asia/Shanghai); \(timeZone.identifier) has summer time"
            )
        }
        output = BufferedOutput(sink)
        self.timeZone = timeZone
        self.stamp = Self.utc(stamp)
        let offset = Self.offset(timeZone.secondsFromGMT(for: stamp))
        let zoneName = timeZone.identifier == "Asia/Shanghai" ? "CST" : (timeZone.abbreviation(for: stamp) ?? offset)
        try lines([
            "BEGIN:VCALENDAR",
            "PRODID:-//Linli//Linli Roster//ZH",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:" + Self.escape(name),
            "X-WR-TIMEZONE:" + timeZone.identifier,
            "BEGIN:VTIMEZONE",
            "TZID:" + timeZone.identifier,
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            "TZOFFSETFROM:" + offset,
            "TZOFFSETTO:" + offset,
            "TZNAME:" + zoneName,
            "END:STANDARD",
            "END:VTIMEZONE",
        ])
    }

    public func write(_ event: CalendarEvent) throws(ExportError) {
        guard !finished else { throw ExportError(code: .misuse, zh: "日历已写完", en: "the calendar is finished") }
        var fields = [
            "BEGIN:VEVENT",
            "UID:" + event.uid,
            "DTSTAMP:" + stamp,
            "DTSTART;TZID=\(timeZone.identifier):" + local(event.start),
            "DTEND;TZID=\(timeZone.identifier):" + local(event.end),
            "SEQUENCE:\(max(0, event.sequence))",
            "STATUS:" + (event.isCancelled ? "CANCELLED" : "CONFIRMED"),
            "SUMMARY:" + Self.escape(event.summary),
        ]
        if let location = event.location, !location.isEmpty { fields.append("LOCATION:" + Self.escape(location)) }
        if let description = event.description, !description.isEmpty {
            fields.append("DESCRIPTION:" + Self.escape(description))
        }
        fields.append("TRANSP:OPAQUE")
        fields.append("END:VEVENT")
        try lines(fields)
    }

    /// Ends the calendar and hands the last bytes to the sink.
    public func finish() throws(ExportError) {
        guard !finished else { return }
        finished = true
        try lines(["END:VCALENDAR"])
        try output.flush()
    }

    private func lines(_ lines: [String]) throws(ExportError) {
        for line in lines { try output.append(Self.fold(line)) }
    }

    /// "20261123T080000" in the calendar's zone.
    private func local(_ date: Date) -> String {
        let c = CellText.components(date, in: timeZone)
        return String(
            format: "%04d%02d%02dT%02d%02d%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0)
    }

    /// "20261121T140451Z".
    static func utc(_ date: Date) -> String {
        let c = CellText.components(date, in: .gmt)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0)
    }

    /// "+0800".
    static func offset(_ seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        return (seconds < 0 ? "-" : "+") + String(format: "%02d%02d", minutes / 60, minutes % 60)
    }

    /// A TEXT value (RFC 5545 §3.3.11): `\` `;` `,` escaped, line breaks as `\n`, other control
    /// characters dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\r": out += "\\n"
            case "\n": if !previousWasCR { out += "\\n" }
            case "\t": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// One content line folded (RFC 5545 §3.1): at most 75 octets per line, continuation lines
    /// start with a space, breaks only between whole characters (never inside a UTF-8
    /// sequence), each line ended by CRLF.
    public static func fold(_ line: String) -> String {
        var out = ""
        var octets = 0
        for scalar in line.unicodeScalars {
            let size = UTF8.width(scalar)
            if octets + size > 75 {
                out += "\r\n "
                octets = 1
            }
            out.unicodeScalars.append(scalar)
            octets += size
        }
        return out + "\r\n"
    }
}
