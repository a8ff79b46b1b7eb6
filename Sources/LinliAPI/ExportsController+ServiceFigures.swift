import Foundation
import Hummingbird
import LinliDatabase
import LinliDomain
import LinliExport
import LinliStorage

/// `exports/visits` and `exports/unfilled`: the brief's other reporting figures, home visits per
/// resident and the work the live roster leaves unfilled per service, for a month, a week or a
/// range of days, as CSV (default), JSON or XLSX; read from the reports' store (a replica when
/// configured), like the hours.
extension ExportsController {
    func addServiceFigureRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("exports/visits") { request, context in try await visits(request, context) }
        group.get("exports/unfilled") { request, context in try await unfilled(request, context) }
    }

    func visits(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await figures(request, context, title: "居民上门服务", table: ResidentVisitsExport.table) { period, tx in
            try await ServiceReports().visitsPerResident(from: period.from, through: period.through, on: tx).map {
                ResidentVisitsExport.cells($0, from: period.from, through: period.through)
            }
        }
    }

    func unfilled(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await figures(request, context, title: "缺人情况", table: UnfilledWorkExport.table) { period, tx in
            try await ServiceReports().unfilledWork(from: period.from, through: period.through, on: tx).map {
                UnfilledWorkExport.cells($0, from: period.from, through: period.through)
            }
        }
    }

    /// One table of `rows` for the request's period, in the request's format.
    private func figures(
        _ request: Request, _ context: APIRequestContext, title: String, table: ExportTable,
        rows: @escaping @Sendable (ReportPeriod, Connection) async throws -> [[ExportCell]]
    ) async throws -> Response {
        let community = try context.requireCommunity()
        let zone = TimeZone(identifier: community.timeZone) ?? .shanghai
        let format = try DownloadFormat.from(request)
        let period = try Self.period(request, zone: zone)
        let store = reports
        return try await format.response(fileName: "\(title)-\(community.name)-\(period)", timeZone: zone) {
            writer, flush in
            try await store.transaction(context.scope(), isolation: .repeatableRead, retries: 0) { tx in
                try writer.begin(table)
                for row in try await rows(period, tx) { try writer.write(row) }
                try await flush()
                try writer.finish()
            }
        }
    }
}
