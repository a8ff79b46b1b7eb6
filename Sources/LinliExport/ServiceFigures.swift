import Foundation
import LinliDomain

// The rows of the service figures (LinliStorage.ServiceReports reads them) and their tables.

/// One resident's home visits in a period.
public struct ResidentVisitsLine: Hashable, Sendable, Codable {
    public var residentID: ID<Resident>
    public var name: String
    /// The resident's grid (网格) by name; nil without one.
    public var grid: String?
    /// Visits marked done, and their minutes.
    public var done: Int
    public var minutesDone: Int
    /// Visits with a time that are not yet marked done or no-show.
    public var scheduled: Int
    /// Requested visits without a time yet.
    public var requested: Int
    public var cancelled: Int
    public var noShow: Int

    public init(
        residentID: ID<Resident>, name: String, grid: String?, done: Int, minutesDone: Int, scheduled: Int,
        requested: Int, cancelled: Int, noShow: Int
    ) {
        self.residentID = residentID
        self.name = name
        self.grid = grid
        self.done = done
        self.minutesDone = minutesDone
        self.scheduled = scheduled
        self.requested = requested
        self.cancelled = cancelled
        self.noShow = noShow
    }
}

/// One service's slots in a period against the live roster.
public struct UnfilledWorkLine: Hashable, Sendable, Codable {
    public var serviceCode: String
    public var serviceNameZh: String
    public var serviceNameEn: String
    public var kind: ServiceKind
    /// Open slots, and those with fewer people than their minimum.
    public var slots: Int
    public var shortSlots: Int
    /// People wanted (the slots' minimums) and placed (up to each minimum).
    public var wanted: Int
    public var placed: Int

    public init(
        serviceCode: String, serviceNameZh: String, serviceNameEn: String, kind: ServiceKind, slots: Int,
        shortSlots: Int, wanted: Int, placed: Int
    ) {
        self.serviceCode = serviceCode
        self.serviceNameZh = serviceNameZh
        self.serviceNameEn = serviceNameEn
        self.kind = kind
        self.slots = slots
        self.shortSlots = shortSlots
        self.wanted = wanted
        self.placed = placed
    }

    /// People still missing.
    public var missing: Int { wanted - placed }
    /// The share of the wanted people placed (1 when nothing was wanted).
    public var filledRate: Double { wanted == 0 ? 1 : Double(placed) / Double(wanted) }
}

/// The visits-per-resident report as a table (CSV, JSON, XLSX), Chinese headers first.
public enum ResidentVisitsExport {
    public static let table = ExportTable(
        name: "居民上门服务 Visits",
        columns: [
            ExportColumn(key: "from", zh: "起", en: "From", width: 11),
            ExportColumn(key: "through", zh: "止", en: "Through", width: 11),
            ExportColumn(key: "grid", zh: "网格", en: "Grid", width: 12),
            ExportColumn(key: "resident_name", zh: "居民", en: "Resident", width: 12),
            ExportColumn(key: "done", zh: "已完成", en: "Done", width: 8),
            ExportColumn(key: "hours_done", zh: "完成时长（小时）", en: "Hours done", width: 10),
            ExportColumn(key: "scheduled", zh: "已安排", en: "Scheduled", width: 8),
            ExportColumn(key: "requested", zh: "待安排", en: "Requested", width: 8),
            ExportColumn(key: "cancelled", zh: "已取消", en: "Cancelled", width: 8),
            ExportColumn(key: "no_show", zh: "未上门", en: "No-show", width: 8),
        ])

    public static func cells(_ line: ResidentVisitsLine, from: LocalDate, through: LocalDate) -> [ExportCell] {
        [
            .date(from), .date(through), .text(line.grid), .text(line.name), .integer(line.done),
            .decimal(Double(line.minutesDone) / 60), .integer(line.scheduled), .integer(line.requested),
            .integer(line.cancelled), .integer(line.noShow),
        ]
    }
}

/// The unfilled-work report as a table, one row per service.
public enum UnfilledWorkExport {
    public static let table = ExportTable(
        name: "缺人情况 Unfilled work",
        columns: [
            ExportColumn(key: "from", zh: "起", en: "From", width: 11),
            ExportColumn(key: "through", zh: "止", en: "Through", width: 11),
            ExportColumn(key: "service", zh: "服务", en: "Service", width: 16),
            ExportColumn(key: "slots", zh: "班次数", en: "Slots", width: 8),
            ExportColumn(key: "short_slots", zh: "缺人班次", en: "Short slots", width: 10),
            ExportColumn(key: "wanted", zh: "需要人次", en: "People wanted", width: 10),
            ExportColumn(key: "placed", zh: "已排人次", en: "People placed", width: 10),
            ExportColumn(key: "missing", zh: "缺人次", en: "Missing", width: 8),
            ExportColumn(key: "filled_percent", zh: "排满率（%）", en: "Filled (%)", width: 10),
        ])

    public static func cells(_ line: UnfilledWorkLine, from: LocalDate, through: LocalDate) -> [ExportCell] {
        [
            .date(from), .date(through), .text("\(line.serviceNameZh) \(line.serviceNameEn)"), .integer(line.slots),
            .integer(line.shortSlots), .integer(line.wanted), .integer(line.placed), .integer(line.missing),
            .decimal(line.filledRate * 100),
        ]
    }
}
