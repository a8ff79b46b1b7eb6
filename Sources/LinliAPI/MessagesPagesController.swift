import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliReminders
import LinliStorage
import LinliWeb

/// The outbox page (issue #7), `/app/messages`: the reminders and notices Linli wrote, by status
/// (sent, failed, waiting, held back, to pass on by phone) and day written, with the channel, the
/// recipient (address masked as the desk masks a phone), the shift or visit, the text, the
/// attempts and the last error in words. A failed message can be sent again (its reminder job
/// runs anew and decides from live data), and a message of the outbox channel marked as passed
/// on by phone. Coordinators and administrators only (`AccessPolicy.Resource.messages`): the
/// list names volunteers and residents with their messages.
struct MessagesPagesController: Sendable {
    let authenticator: Authenticator
    let store: Store
    let pages: Result<WebPages, any Error>
    let maxBodyBytes: Int

    /// How many messages the page lists at most.
    static let limit = 200

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/app/messages") { request, _ in
            try await StaffPage.respond {
                let page = try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .messages, .read)
                return try await render(page, request)
            }
        }
        router.post("/app/messages/{id}/retry") { request, context in
            try await StaffPage.respond { try await act(request, context, retry: true) }
        }
        router.post("/app/messages/{id}/passed-on") { request, context in
            try await StaffPage.respond { try await act(request, context, retry: false) }
        }
    }

    /// The filter of the page's query; a day that does not parse is named with its error.
    struct Filter {
        var status: OutboxFilter = .all
        var from: LocalDate?
        var to: LocalDate?
        var fromText = ""
        var toText = ""
        var fromError: String?
        var toError: String?

        /// The query that shows the same list: "&status=failed&from=2026-11-01".
        var query: String {
            var query = status == .all ? "" : "&status=\(status.rawValue)"
            if !fromText.isEmpty { query += "&from=\(StaffPage.encode(fromText))" }
            if !toText.isEmpty { query += "&to=\(StaffPage.encode(toText))" }
            return query
        }
    }

    static func filter(_ fields: [String: String], language: PageLanguage) -> Filter {
        func value(_ name: String) -> String {
            (fields[name] ?? "").trimmingCharacters(in: .whitespaces)
        }
        var filter = Filter()
        filter.status = OutboxFilter(rawValue: value("status")) ?? .all
        filter.fromText = String(value("from").prefix(20))
        filter.toText = String(value("to").prefix(20))
        if !filter.fromText.isEmpty {
            filter.from = LocalDate(iso: filter.fromText)
            if filter.from == nil { filter.fromError = WebStrings.report("dateInvalid", language) }
        }
        if !filter.toText.isEmpty {
            filter.to = LocalDate(iso: filter.toText)
            if filter.to == nil { filter.toError = WebStrings.report("dateInvalid", language) }
        }
        if let from = filter.from, let to = filter.to, to < from {
            filter.toError = WebStrings.report("rangeInvalid", language)
        }
        return filter
    }

    static func queryFields(_ request: Request) -> [String: String] {
        var fields: [String: String] = [:]
        for name in ["status", "from", "to", "notice"] {
            if let value = request.uri.queryParameters[Substring(name)] { fields[name] = String(value) }
        }
        return fields
    }

    func render(_ page: StaffPage, _ request: Request) async throws -> Response {
        let language = page.language
        let fields = Self.queryFields(request)
        let filter = Self.filter(fields, language: language)
        let zone = page.zone
        let start = filter.fromError == nil ? filter.from.map { $0.startOfDay(in: zone) } : nil
        let end = filter.toError == nil ? filter.to.map { $0.adding(days: 1).startOfDay(in: zone) } : nil
        let lines = try await store.transaction(page.scope) { tx in
            try await Outbox().lines(filter.status, from: start, to: end, limit: Self.limit, on: tx)
        }
        var values = PageFrame.values(page, path: "/app/messages", query: filter.query)
        values["onMessages"] = true
        values["r"] = WebStrings.reportsTable(language)
        values["query"] = page.query
        values["fromValue"] = filter.fromText
        values["toValue"] = filter.toText
        values["fromError"] = filter.fromError ?? ""
        values["toError"] = filter.toError ?? ""
        let notices = ["retried", "passedOn"]
        let problems = ["notRetryable", "noJob", "notToPhone"]
        if let notice = fields["notice"], notices.contains(notice) {
            values["notice"] = WebStrings.report("notice.\(notice)", language)
        } else if let notice = fields["notice"], problems.contains(notice) {
            values["problem"] = WebStrings.report("notice.\(notice)", language)
        }
        values["filters"] = OutboxFilter.allCases.map { status -> [String: Any] in
            [
                "value": status.rawValue, "label": WebStrings.report("filter.\(status.rawValue)", language),
                "selected": status == filter.status,
            ]
        }
        let back = String(filter.query.dropFirst())
        values["messages"] = lines.map { Self.row($0, back: back, zone: zone, language: language) }
        values["hasMessages"] = !lines.isEmpty
        if lines.count >= Self.limit { values["limited"] = WebStrings.report("limitNote", language, ["n": "\(Self.limit)"]) }
        let title = "\(WebStrings.report("messagesTitle", language)) · \(page.community.name)"
        let html = try pages.get().render("messages-page", title: title, values: PageValues.dropEmpty(values), language: language)
        var response = htmlResponse(html, language: language)
        if filter.fromError != nil || filter.toError != nil { response.status = .badRequest }
        return response
    }

    /// One message as a table row.
    static func row(_ line: OutboxLine, back: String, zone: TimeZone, language: PageLanguage) -> [String: Any] {
        let m = line.message
        var about = ""
        if let start = line.slotStart, let end = line.slotEnd {
            let service = (language == .en ? line.serviceNameEn : line.serviceNameZh) ?? ""
            about = "\(DeskFormat.visit(start, end, zone, language)) \(service)"
        }
        var recipient = line.recipient ?? ""
        if m.audience == .team || m.audience == .staff {
            recipient += WebStrings.report("audience.\(m.audience.rawValue)", language)
        }
        // The words for what went wrong: the channel's error, else why it was held back.
        let error: String?
        let raw: String?
        if m.state == .suppressed {
            error = MessageWords.reason(m.stateReason, language)
            raw = m.stateReason
        } else {
            error = MessageWords.error(line.lastError, language)
            raw = line.lastError
        }
        return [
            "id": "\(m.id)", "state": m.state.rawValue, "stateLabel": WebStrings.report("state.\(m.state.rawValue)", language),
            "written": "\(DeskFormat.day(of: m.createdAt, zone, language)) \(DeskFormat.clock(m.createdAt, zone))",
            "channel": WebStrings.report("channel.\(m.channel)", language), "recipient": recipient,
            "address": masked(m.address, channel: m.channel) ?? "",
            // Staff phone the person themselves: the number on record, whole.
            "phone": line.isToPhone ? (line.recipientPhone ?? "") : "", "about": about, "body": m.body,
            "attempts": "\(m.attempts)", "error": error ?? "", "raw": raw == error ? "" : (raw ?? ""),
            "retryable": line.isRetryable, "toPhone": line.isToPhone,
            "passedOn": line.passedOnAt.map { "\(DeskFormat.day(of: $0, zone, language)) \(DeskFormat.clock($0, zone))" } ?? "",
            "back": back,
        ]
    }

    /// An address as the page shows it: a phone as the desk masks it, an e-mail address with
    /// its name masked, a WeCom group's reference not at all.
    static func masked(_ address: String?, channel: String) -> String? {
        guard let address, !address.isEmpty else { return nil }
        switch channel {
        case "email":
            guard let at = address.firstIndex(of: "@") else { return Mask.phone(address) }
            return String(address.prefix(1)) + "***" + address[at...]
        case "wecom":
            return nil
        default:
            return Mask.phone(address)
        }
    }

    /// `POST /app/messages/{id}/retry` and `…/passed-on`: does it, then back to the list it was
    /// asked from with a notice (POST-redirect-GET).
    func act(_ request: Request, _ context: APIRequestContext, retry: Bool) async throws -> Response {
        let page = try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .messages, .write)
        let fields = try await page.form(request, maxBytes: maxBodyBytes)
        guard let id = context.parameters.get("id").flatMap(Int64.init) else {
            throw Problem(.notFound, code: "message_not_found", detail: .init("没有这条消息", "There is no such message"))
        }
        let notice: String
        if retry {
            let outcome = try await store.transaction(page.scope) { tx in try await Outbox().retry(id, on: tx) }
            switch outcome {
            case .queued: notice = "retried"
            case .notRetryable: notice = "notRetryable"
            case .noJob: notice = "noJob"
            }
        } else {
            let user = page.user.user.id
            let done = try await store.transaction(page.scope) { tx in
                try await Outbox().markPassedOn(id, by: user, on: tx)
            }
            notice = done ? "passedOn" : "notToPhone"
        }
        // The list the form was on: only its own filter fields go back into the link.
        let back = Self.filter(StaffPage.fields(fields["back"] ?? ""), language: page.language).query
        return StaffPage.seeOther("/app/messages?\(page.query)\(back)&notice=\(notice)#message-\(id)")
    }
}
