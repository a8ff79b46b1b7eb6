import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliReminders
import LinliRostering
import LinliStorage
import LinliWeb
import NIOCore

/// The service desk's pages (issue #7): find a resident, see their visits and familiar
/// volunteers, book a visit (who would come and when, or why nothing fits and the nearest
/// times), confirm, print the slip, cancel with a reason, register a resident, and the call list
/// of residents who need a phone call. Plain HTML forms with POST-redirect-GET where something
/// is written, a CSRF token on every form, no script; the same library calls as the JSON API
/// (`BookingDesk`, `ReminderPlanner`, `CallList`, the stores).
///
/// Reads run in the user's role scope (row-level security as for the API). The library calls
/// that must read volunteers' availability and names — a proposal, its confirmation, the call
/// list, cancelling (whose notices go to the volunteers) and the names of the resident's
/// familiar volunteers — run in the community's scope without the role's narrowing (desk staff
/// read no volunteer's row, migration 0009); what they show is volunteers' names only, as
/// `linli_visit_volunteer_names` does for the API.
struct DeskPagesController: Sendable {
    let authenticator: Authenticator
    let store: Store
    let pages: Result<WebPages, any Error>
    let maxBodyBytes: Int
    /// One cache of loaded weeks for the server's life, as `BookingDeskController` keeps its own.
    let bookingDesk = BookingDesk(cache: WeekCache())

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/app/desk") { request, _ in try await search(request) }
        router.get("/app/desk/residents/new") { request, _ in try await newResident(request) }
        router.post("/app/desk/residents") { request, _ in try await createResident(request) }
        router.get("/app/desk/residents/{id}") { request, context in try await resident(request, context) }
        router.post("/app/desk/residents/{id}/propose") { request, context in try await propose(request, context) }
        router.post("/app/desk/proposals/{id}/confirm") { request, context in try await confirm(request, context) }
        router.get("/app/desk/bookings/{id}") { request, context in try await booking(request, context) }
        router.get("/app/desk/bookings/{id}/slip") { request, context in try await slip(request, context) }
        router.post("/app/desk/bookings/{id}/cancel") { request, context in try await cancel(request, context) }
        router.get("/app/desk/calls") { request, _ in try await calls(request) }
        router.post("/app/desk/calls/{slot}/mark") { request, context in try await mark(request, context) }
    }

    /// The links of the start page to the desk's pages, for roles that may book.
    static func homeLinks(_ roles: Set<Role>, _ language: PageLanguage) -> [[String: String]] {
        guard AccessPolicy.allows(roles, .bookings, .write) else { return [] }
        return [
            ["href": "/app/desk?lang=\(language.rawValue)", "label": WebStrings.text("desk_title", language)],
            ["href": "/app/desk/calls?lang=\(language.rawValue)", "label": WebStrings.text("desk_calls", language)],
        ]
    }

    // MARK: - Who is at the desk

    /// The signed-in user at the desk of one community, with their roles there.
    struct Desk {
        /// The signed-in user in the community, as every staff page has them.
        let page: StaffPage
        /// Whether the user has roles in more than one community (links then name the community).
        let named: Bool

        var user: AuthenticatedUser { page.user }
        var token: String { page.token }
        var community: Community { page.community }
        var roles: Set<Role> { page.roles }
        var language: PageLanguage { page.language }
        var zone: TimeZone { page.zone }
        var csrf: String { page.csrf }
        /// The query every link carries: the language, and the community when it must be named.
        var query: String { "lang=\(language.rawValue)" + (named ? "&community=\(StaffPage.encode(community.code))" : "") }
        /// Reads as the user's role sees them (row-level security, as in the API).
        var scope: DataScope { page.scope }
        /// The library calls that read volunteers' names and availability (see the type's comment).
        var deskScope: DataScope { .community(community.id, user: user.user.id) }

        func text(_ key: String) -> String { WebStrings.text(key, language) }
    }

    /// The desk of the request's user (`StaffPage.open`: to sign-in when signed out, a page
    /// saying why when the community is not theirs or the role may not book).
    func desk(_ request: Request) async throws -> Desk {
        let page = try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .bookings, .write)
        let communities = Set(page.user.roles.compactMap(\.communityID))
        return Desk(page: page, named: page.user.isAdministrator || communities.count > 1)
    }

    /// Runs `body` at the request's desk.
    func atDesk(_ request: Request, _ body: (Desk) async throws -> Response) async throws -> Response {
        try await StaffPage.respond { try await body(try await desk(request)) }
    }

    /// The form's fields (a POST body, url-encoded), after checking its CSRF token.
    func form(_ request: Request, _ desk: Desk) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: maxBodyBytes)
        let fields = (try? URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: buffer))) ?? [:]
        guard CSRFToken.matches(fields["csrf_token"], session: desk.token) else { throw Problem.csrfFailed }
        return fields
    }

    // MARK: - Rendering

    func render(
        _ template: String, title: String, _ desk: Desk, path: String, _ values: [String: Any],
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        var values = values
        let other: PageLanguage = desk.language == .en ? .zhCN : .en
        values["csrf"] = desk.csrf
        values["query"] = desk.query
        values["otherLang"] = other.rawValue
        values["otherLanguageName"] = other == .en ? "English" : "中文"
        values["otherLangHref"] =
            "\(path)?lang=\(other.rawValue)" + (desk.named ? "&community=\(StaffPage.encode(desk.community.code))" : "")
        values["communityName"] = desk.community.name
        values["community"] = desk.named ? desk.community.code : ""
        let html = try pages.get().render(
            template, title: "\(title) · \(desk.community.name)", values: Self.compact(values), language: desk.language)
        var response = htmlResponse(html, language: desk.language)
        response.status = status
        return response
    }

    /// A short page with one message and a way back.
    func message(
        _ language: PageLanguage, key: String, status: HTTPResponse.Status, back: String = "/app"
    ) throws
        -> Response
    {
        let text = WebStrings.text(key, language)
        let html = try pages.get().render(
            "desk-message", title: text,
            values: ["message": text, "back": "\(back)?lang=\(language.rawValue)"], language: language)
        var response = htmlResponse(html, language: language)
        response.status = status
        return response
    }

    /// The values without their empty strings: swift-mustache takes "" as true in a section
    /// (`{{#notice}}…{{/notice}}`), so an empty value is left out, which renders as nothing.
    static func compact(_ values: [String: Any]) -> [String: Any] {
        values.compactMapValues(compact(value:))
    }

    static func compact(value: Any) -> Any? {
        switch value {
        case let text as String: return text.isEmpty ? nil : text
        case let dictionary as [String: Any]: return compact(dictionary)
        case let list as [[String: Any]]: return list.map(compact)
        default: return value
        }
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    // MARK: - Finding a resident

    func search(_ request: Request) async throws -> Response {
        try await atDesk(request) { desk in
            let q = String((request.uri.queryParameters["q"].map(String.init) ?? "").prefix(50))
                .trimmingCharacters(in: .whitespacesAndNewlines)
            var found: [Resident] = []
            if !q.isEmpty {
                found = try await store.transaction(desk.scope) { tx in
                    try await ResidentSearch.find(q, on: tx)
                }
            }
            let rows: [[String: Any]] = found.map { r in
                [
                    "id": r.id.description, "name": r.name, "sex": desk.text("desk_\(r.sex.rawValue)"),
                    "birthYear": r.birthYear.map(String.init) ?? "", "address": Mask.address(r.address) ?? "",
                    "phone": Mask.phone(r.phone) ?? "", "needsCall": r.needsCall,
                ]
            }
            return try render(
                "desk", title: desk.text("desk_title"), desk, path: "/app/desk",
                ["q": q, "searched": !q.isEmpty, "residents": rows, "hasResidents": !rows.isEmpty])
        }
    }

    // MARK: - A resident and the booking form

    /// What the booking form was given, to show it again.
    struct BookForm {
        var service = ""
        var windows: Set<String> = []
        var date = ""
        var from = ""
        var to = ""
        var notes = ""
        /// The booking this one replaces once confirmed (改约), as its id.
        var move = ""

        init() {}

        init(_ fields: [String: String]) {
            service = fields["service"] ?? ""
            windows = Set(fields.filter { $0.key.hasPrefix("w_") && !$0.value.isEmpty }.map(\.key))
            date = (fields["date"] ?? "").trimmingCharacters(in: .whitespaces)
            from = (fields["from"] ?? "").trimmingCharacters(in: .whitespaces)
            to = (fields["to"] ?? "").trimmingCharacters(in: .whitespaces)
            notes = String((fields["notes"] ?? "").prefix(500))
            move = fields["move"].flatMap(ID<Booking>.init(uuidString:))?.description ?? ""
        }
    }

    /// The result of asking for a visit, shown on the resident's page when nothing fits.
    struct Outcome {
        var reasons: [String]
        var alternatives: [[String: Any]]
    }

    func resident(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await atDesk(request) { desk in
            guard let id = context.parameters.get("id").flatMap(ID<Resident>.init(uuidString:)) else {
                return try message(desk.language, key: "desk_notFound", status: .notFound)
            }
            var notice: String?
            switch request.uri.queryParameters["done"].map(String.init) {
            case "created": notice = desk.text("desk_createdNotice")
            case "cancelled": notice = desk.text("desk_cancelledNotice")
            default: break
            }
            // Moving a booking (改约): the form starts with its service and carries its id.
            var form = BookForm()
            form.move = request.uri.queryParameters["move"].flatMap { ID<Booking>(uuidString: String($0)) }?.description ?? ""
            form.service = request.uri.queryParameters["service"].map(String.init) ?? ""
            return try await residentPage(id, desk, form: form, errors: [:], outcome: nil, notice: notice)
        }
    }

    func residentPage(
        _ id: ID<Resident>, _ desk: Desk, form: BookForm, errors: [String: String], outcome: Outcome?,
        notice: String?, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let now = Date()
        let seen = try await store.transaction(desk.scope) { tx -> (Resident, [ServiceType], [[String: Any]])? in
            guard let resident = try? await ResidentStore().resident(id, on: tx) else { return nil }
            let services = try await ServiceTypeStore().serviceTypes(kind: .homeVisit, on: tx)
            let names = Dictionary(uniqueKeysWithValues: services.map { ($0.id, $0) })
            var visits: [[String: Any]] = []
            let open = try await BookingStore().bookings(resident: id, on: tx).filter {
                $0.state == .requested || $0.state == .scheduled
            }
            for booking in open {
                let slot = try await booking.slotID.asyncMap { try await SlotStore().slot($0, on: tx) }
                let end = slot?.end ?? booking.windows.map(\.end).max() ?? now
                guard end > now else { continue }
                let who = try await BookingStore().visitVolunteerNames(slot: slot?.id ?? ID(), on: tx)
                var service = names[booking.serviceTypeID]
                if service == nil { service = try await ServiceTypeStore().serviceType(booking.serviceTypeID, on: tx) }
                guard let service else { continue }
                let when =
                    slot.map { DeskFormat.visit($0.start, $0.end, desk.zone, desk.language) }
                    ?? booking.windows.map { DeskFormat.visit($0.start, $0.end, desk.zone, desk.language) }
                    .joined(separator: desk.text("listSeparator"))
                visits.append([
                    "id": booking.id.description, "service": desk.language == .en ? service.nameEn : service.nameZh,
                    "when": when, "who": who.joined(separator: desk.text("listSeparator")),
                    "state": desk.text("desk_state_\(booking.state.rawValue)"),
                    "sort": slot?.start ?? booking.windows.first?.start ?? now,
                ])
            }
            visits.sort { ($0["sort"] as? Date ?? now) < ($1["sort"] as? Date ?? now) }
            return (resident, services, visits)
        }
        guard let (resident, services, visits) = seen else {
            return try message(desk.language, key: "desk_notFound", status: .notFound, back: "/app/desk")
        }
        let preferred = try await store.transaction(desk.deskScope) { tx in
            var names: [String] = []
            for p in try await ResidentStore().preferences(of: id, on: tx) where p.prefers {
                if let v = try? await VolunteerStore().volunteer(p.volunteerID, on: tx), v.isActive { names.append(v.name) }
            }
            return names
        }
        var values = bookingFormValues(desk, services: services, form: form, errors: errors, now: now)
        values["resident"] = residentValues(resident, desk)
        values["residentID"] = id.description
        values["visits"] = visits
        values["hasVisits"] = !visits.isEmpty
        values["preferred"] = preferred
        values["hasPreferred"] = !preferred.isEmpty
        values["notice"] = notice ?? ""
        values["formError"] = errors.isEmpty ? "" : desk.text("desk_error_form")
        if let outcome {
            values["nothingFits"] = true
            values["reasons"] = outcome.reasons
            values["alternatives"] = outcome.alternatives
            values["hasAlternatives"] = !outcome.alternatives.isEmpty
        }
        return try render(
            "desk-resident", title: resident.name, desk, path: "/app/desk/residents/\(id)", values, status: status)
    }

    func residentValues(_ r: Resident, _ desk: Desk) -> [String: Any] {
        [
            "id": r.id.description, "name": r.name, "sex": desk.text("desk_\(r.sex.rawValue)"),
            "birthYear": r.birthYear.map(String.init) ?? "", "address": r.address ?? "", "phone": r.phone ?? "",
            "family": [r.familyContactName, r.familyContactPhone].compactMap { $0 }.joined(separator: " "),
            "needsCall": r.needsCall, "livesAlone": r.livesAlone,
        ]
    }

    /// The booking form: the home-visit services, the preset half-days of the coming week, the
    /// exact time, each with what was entered and its error.
    func bookingFormValues(
        _ desk: Desk, services: [ServiceType], form: BookForm, errors: [String: String], now: Date
    ) -> [String: Any] {
        let options: [[String: Any]] = services.map { s in
            [
                "id": s.id.description, "selected": s.id.description == form.service,
                "label": desk.language == .en
                    ? "\(s.nameEn) (\(s.defaultMinutes) minutes)" : "\(s.nameZh)（\(s.defaultMinutes) 分钟）",
            ]
        }
        let presets: [[String: Any]] = DeskWindows.presets(now: now, zone: desk.zone).map { preset in
            [
                "name": preset.name, "checked": form.windows.contains(preset.name),
                "label": DeskWindows.label(preset, today: LocalDate(now, in: desk.zone), desk.language),
                "date": DeskFormat.day(preset.day, desk.language),
            ]
        }
        return [
            "services": options, "presets": presets, "date": form.date, "from": form.from, "to": form.to,
            "notes": form.notes, "service": form.service, "errors": errors, "move": form.move,
        ]
    }

    // MARK: - Proposing and confirming

    func propose(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await atDesk(request) { desk in
            guard let id = context.parameters.get("id").flatMap(ID<Resident>.init(uuidString:)) else {
                return try message(desk.language, key: "desk_notFound", status: .notFound)
            }
            let fields = try await form(request, desk)
            let entered = BookForm(fields)
            var errors: [String: String] = [:]
            let service = ID<ServiceType>(uuidString: entered.service)
            if service == nil { errors["service"] = desk.text("desk_error_service") }
            var windows = entered.windows.compactMap { DeskWindows.window($0, zone: desk.zone) }
            switch DeskWindows.exact(date: entered.date, from: entered.from, to: entered.to, zone: desk.zone) {
            case .none: break
            case .window(let window): windows.append(window)
            case .invalid(let field, let key): errors[field] = desk.text(key)
            }
            if windows.isEmpty && errors["date"] == nil && errors["from"] == nil && errors["to"] == nil {
                errors["windows"] = desk.text("desk_error_windows")
            }
            guard errors.isEmpty, let service else {
                return try await residentPage(
                    id, desk, form: entered, errors: errors, outcome: nil, notice: nil, status: .unprocessableContent)
            }
            let ask = VisitRequest(
                communityID: desk.community.id, residentID: id, serviceTypeID: service, minutes: nil,
                windows: windows.sorted { $0.start < $1.start }, notes: entered.notes.isEmpty ? nil : entered.notes,
                requestedBy: desk.user.user.id, replacing: ID<Booking>(uuidString: entered.move))
            let answer = try await store.transaction(desk.deskScope) { tx -> (VisitProposal, ServiceType, Resident)? in
                guard let type = try? await ServiceTypeStore().serviceType(service, on: tx),
                    let resident = try? await ResidentStore().resident(id, on: tx)
                else { return nil }
                return (try await bookingDesk.propose(ask, on: tx), type, resident)
            }
            guard let (proposal, type, resident) = answer else {
                var errors = errors
                errors["service"] = desk.text("desk_error_service")
                return try await residentPage(
                    id, desk, form: entered, errors: errors, outcome: nil, notice: nil, status: .unprocessableContent)
            }
            let alternatives = proposal.alternatives.map { alternativeValues($0, desk) }
            guard let visit = proposal.visit else {
                let reasons = proposal.reasons.map { desk.language == .en ? $0.en : $0.zh }
                return try await residentPage(
                    id, desk, form: entered, errors: [:],
                    outcome: Outcome(reasons: reasons, alternatives: alternatives), notice: nil)
            }
            return try render(
                "desk-proposal", title: desk.text("desk_proposal"), desk, path: "/app/desk/residents/\(id)",
                [
                    "id": proposal.id.description, "residentID": id.description, "residentName": resident.name,
                    "service": service.description, "notes": entered.notes, "move": entered.move,
                    "serviceName": desk.language == .en ? type.nameEn : type.nameZh,
                    "when": DeskFormat.visit(visit.start, visit.end, desk.zone, desk.language),
                    "who": visit.volunteers.map(\.name).joined(separator: desk.text("listSeparator")),
                    "alternatives": alternatives, "hasAlternatives": !alternatives.isEmpty,
                ])
        }
    }

    /// An offered time as a one-press form (the exact window proposed again).
    func alternativeValues(_ visit: ProposedVisit, _ desk: Desk) -> [String: Any] {
        [
            "when": DeskFormat.visit(visit.start, visit.end, desk.zone, desk.language),
            "who": visit.volunteers.map(\.name).joined(separator: desk.text("listSeparator")),
            "date": LocalDate(visit.start, in: desk.zone).description, "from": DeskFormat.clock(visit.start, desk.zone),
            "to": DeskFormat.clock(visit.end, desk.zone),
        ]
    }

    func confirm(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await atDesk(request) { desk in
            let fields = try await form(request, desk)
            let back =
                fields["resident"].flatMap(ID<Resident>.init(uuidString:)).map { "/app/desk/residents/\($0)" } ?? "/app/desk"
            guard let id = context.parameters.get("id").flatMap(ID<VisitProposal>.init(uuidString:)) else {
                return try message(desk.language, key: "desk_notFound", status: .notFound, back: back)
            }
            do {
                let moved = fields["move"].flatMap(ID<Booking>.init(uuidString:))
                let done = try await store.transaction(desk.deskScope) { tx in
                    let done = try await ReminderPlanner().confirmProposal(
                        id, desk: bookingDesk, by: desk.user.user.id, replacing: moved, on: tx)
                    // 改约: the old booking of the same resident goes in the same transaction.
                    if let moved, let old = try? await BookingStore().booking(moved, on: tx),
                        old.residentID == done.booking.residentID, old.state == .requested || old.state == .scheduled
                    {
                        _ = try await ReminderPlanner().cancelBooking(moved, reason: Self.movedReason, on: tx)
                    }
                    return done
                }
                return Self.redirect("/app/desk/bookings/\(done.booking.id)?\(desk.query)&done=booked")
            } catch let error as BookingDeskError {
                let text = desk.language == .en ? error.en : error.zh
                let html = try pages.get().render(
                    "desk-message", title: desk.text("desk_title"),
                    values: ["message": text, "back": "\(back)?\(desk.query)"], language: desk.language)
                var response = htmlResponse(html, language: desk.language)
                response.status = error.code == .expired ? .gone : .conflict
                return response
            }
        }
    }

    /// The state reason of a booking replaced by a new time.
    static let movedReason = "改约 / moved to another time"

    // MARK: - A booking, its slip, cancelling

    /// A booking as its pages show it.
    struct BookingView {
        let booking: Booking
        let resident: Resident
        let service: ServiceType
        let slot: Slot?
        let volunteers: [String]
    }

    func loadBooking(_ id: ID<Booking>, _ desk: Desk) async throws -> BookingView? {
        try await store.transaction(desk.scope) { tx in
            guard let booking = try? await BookingStore().booking(id, on: tx) else { return nil }
            let slot = try await booking.slotID.asyncMap { try await SlotStore().slot($0, on: tx) }
            let names =
                booking.state == .scheduled || booking.state == .done
                ? try await BookingStore().visitVolunteerNames(slot: slot?.id ?? ID(), on: tx) : []
            return BookingView(
                booking: booking, resident: try await ResidentStore().resident(booking.residentID, on: tx),
                service: try await ServiceTypeStore().serviceType(booking.serviceTypeID, on: tx), slot: slot,
                volunteers: names)
        }
    }

    func bookingValues(_ view: BookingView, _ desk: Desk) -> [String: Any] {
        let b = view.booking
        let when =
            view.slot.map { DeskFormat.visit($0.start, $0.end, desk.zone, desk.language) }
            ?? b.windows.map { DeskFormat.visit($0.start, $0.end, desk.zone, desk.language) }
            .joined(separator: desk.text("listSeparator"))
        return [
            "id": b.id.description, "resident": residentValues(view.resident, desk),
            "serviceName": desk.language == .en ? view.service.nameEn : view.service.nameZh,
            "when": when, "day": view.slot.map { DeskFormat.day(of: $0.start, desk.zone, desk.language) } ?? "",
            "hours": view.slot.map { DeskFormat.hours($0.start, $0.end, desk.zone) } ?? "",
            "who": view.volunteers.joined(separator: desk.text("listSeparator")),
            "state": desk.text("desk_state_\(b.state.rawValue)"), "stateReason": b.stateReason ?? "",
            "cancellable": b.state == .requested || b.state == .scheduled, "printable": b.state == .scheduled,
            "communityPhone": desk.community.phone ?? "", "serviceID": view.service.id.description,
        ]
    }

    func booking(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await atDesk(request) { desk in
            guard let id = context.parameters.get("id").flatMap(ID<Booking>.init(uuidString:)),
                let view = try await loadBooking(id, desk)
            else { return try message(desk.language, key: "desk_notFound", status: .notFound, back: "/app/desk") }
            let booked = request.uri.queryParameters["done"] == "booked"
            return try bookingPage(view, desk, reason: "", error: nil, notice: booked ? desk.text("desk_bookedNotice") : nil)
        }
    }

    func bookingPage(
        _ view: BookingView, _ desk: Desk, reason: String, error: String?, notice: String?,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        var values = bookingValues(view, desk)
        values["reason"] = reason
        values["reasonError"] = error ?? ""
        values["notice"] = notice ?? ""
        return try render(
            "desk-booking", title: desk.text("desk_booking"), desk, path: "/app/desk/bookings/\(view.booking.id)", values,
            status: status)
    }

    func slip(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await atDesk(request) { desk in
            guard let id = context.parameters.get("id").flatMap(ID<Booking>.init(uuidString:)),
                let view = try await loadBooking(id, desk)
            else { return try message(desk.language, key: "desk_notFound", status: .notFound, back: "/app/desk") }
            return try render(
                "desk-slip", title: desk.text("desk_slip"), desk, path: "/app/desk/bookings/\(id)/slip",
                bookingValues(view, desk))
        }
    }

    func cancel(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await atDesk(request) { desk in
            let fields = try await form(request, desk)
            guard let id = context.parameters.get("id").flatMap(ID<Booking>.init(uuidString:)),
                let view = try await loadBooking(id, desk)
            else { return try message(desk.language, key: "desk_notFound", status: .notFound, back: "/app/desk") }
            let reason = String((fields["reason"] ?? "").prefix(500))
            var validation = Validation()
            validation.name("reason", reason, max: 500)
            if let problem = validation.problems.first {
                return try bookingPage(
                    view, desk, reason: reason, error: problem.message.text(Language(desk.language)), notice: nil,
                    status: .unprocessableContent)
            }
            guard view.booking.state == .requested || view.booking.state == .scheduled else {
                return try bookingPage(view, desk, reason: reason, error: nil, notice: nil, status: .conflict)
            }
            try await store.transaction(desk.deskScope) { tx in
                _ = try await ReminderPlanner().cancelBooking(id, reason: reason, on: tx)
            }
            return Self.redirect("/app/desk/residents/\(view.resident.id)?\(desk.query)&done=cancelled")
        }
    }

    // MARK: - Registering a resident

    func newResident(_ request: Request) async throws -> Response {
        try await atDesk(request) { desk in
            try residentForm(desk, fields: [:], errors: [:])
        }
    }

    func residentForm(
        _ desk: Desk, fields: [String: String], errors: [String: String], status: HTTPResponse.Status = .ok
    ) throws -> Response {
        try render(
            "desk-resident-new", title: desk.text("desk_newResident"), desk, path: "/app/desk/residents/new",
            [
                "name": fields["name"] ?? "", "phone": fields["phone"] ?? "", "address": fields["address"] ?? "",
                "birthYear": fields["birth_year"] ?? "", "female": fields["sex"] == "female",
                "male": fields["sex"] == "male", "needsCall": fields["needs_call"] != nil,
                "livesAlone": fields["lives_alone"] != nil, "errors": errors,
                "formError": errors.isEmpty ? "" : desk.text("desk_error_form"),
            ], status: status)
    }

    func createResident(_ request: Request) async throws -> Response {
        try await atDesk(request) { desk in
            let fields = try await form(request, desk)
            func value(_ key: String) -> String? {
                let text = (fields[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                return text.isEmpty ? nil : text
            }
            var validation = Validation()
            validation.name("name", value("name") ?? "")
            validation.phone("phone", value("phone"), landline: true)
            validation.text("address", value("address"), max: 200)
            let sex = value("sex").flatMap(Sex.init(rawValue:))
            let birthYear = value("birth_year").flatMap { Int($0) }
            if value("birth_year") != nil && birthYear == nil {
                validation.fail("birth_year", "invalid_value", "请填写四位数的年份，例如 1945", "a four-digit year, e.g. 1945")
            }
            validation.range("birth_year", birthYear, 1900...2100)
            var errors = Dictionary(
                validation.problems.map { ($0.field, $0.message.text(Language(desk.language))) }, uniquingKeysWith: { a, _ in a })
            if sex == nil { errors["sex"] = desk.text("desk_error_sex") }
            if value("name") == nil { errors["name"] = desk.text("desk_error_required") }
            guard errors.isEmpty, let sex, let name = value("name") else {
                return try residentForm(desk, fields: fields, errors: errors, status: .unprocessableContent)
            }
            let resident = Resident(
                communityID: desk.community.id, name: name, sex: sex, birthYear: birthYear, address: value("address"),
                phone: value("phone"), needsCall: fields["needs_call"] != nil, livesAlone: fields["lives_alone"] != nil)
            try await store.transaction(desk.scope) { tx in
                try await ResidentStore().create(resident, on: tx)
            }
            return Self.redirect("/app/desk/residents/\(resident.id)?\(desk.query)&done=created")
        }
    }

    // MARK: - The call list

    func calls(_ request: Request) async throws -> Response {
        try await atDesk(request) { desk in
            let today = LocalDate(Date(), in: desk.zone)
            let day =
                request.uri.queryParameters["date"].flatMap { LocalDate(iso: String($0)) } ?? today.adding(days: 1)
            let entries = try await store.transaction(desk.deskScope) { tx in
                try await CallList().entries(community: desk.community.id, day: day, on: tx)
            }
            let rows: [[String: Any]] = entries.map { e in
                [
                    "slot": e.slotID.description, "name": e.residentName, "phone": e.phone ?? "",
                    "family": [e.familyContactName, e.familyContactPhone].compactMap { $0 }.joined(separator: " "),
                    "when": DeskFormat.visit(e.start, e.end, desk.zone, desk.language),
                    "service": desk.language == .en ? e.serviceNameEn : e.serviceNameZh,
                    "who": e.volunteerNames.joined(separator: desk.text("listSeparator")), "script": e.script,
                    "mark": e.mark.map { desk.text("desk_mark_\($0.rawValue)") } ?? desk.text("desk_noMark"),
                    "open": e.mark != .cancelled, "note": e.note ?? "",
                ]
            }
            return try render(
                "desk-calls", title: desk.text("desk_calls"), desk, path: "/app/desk/calls",
                [
                    "date": day.description, "day": DeskFormat.day(day, desk.language), "entries": rows,
                    "hasEntries": !rows.isEmpty,
                ])
        }
    }

    func mark(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await atDesk(request) { desk in
            let fields = try await form(request, desk)
            let date = fields["date"].flatMap { LocalDate(iso: $0) }
            let back = "/app/desk/calls?\(desk.query)" + (date.map { "&date=\($0)" } ?? "")
            guard let slot = context.parameters.get("slot").flatMap(ID<Slot>.init(uuidString:)),
                let mark = fields["mark"].flatMap(CallMark.init(rawValue:))
            else { return try message(desk.language, key: "desk_notFound", status: .notFound, back: "/app/desk/calls") }
            let note = (fields["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            do {
                try await store.transaction(desk.deskScope) { tx in
                    try await CallList().mark(
                        slot: slot, mark, note: note.isEmpty ? nil : String(note.prefix(500)), by: desk.user.user.id, on: tx)
                }
            } catch let error as StorageError {
                let html = try pages.get().render(
                    "desk-message", title: desk.text("desk_calls"), values: ["message": error.message, "back": back],
                    language: desk.language)
                var response = htmlResponse(html, language: desk.language)
                response.status = .conflict
                return response
            }
            return Self.redirect(back)
        }
    }
}

extension Language {
    /// The API's message language of a page's language.
    init(_ page: PageLanguage) { self = page == .en ? .en : .zh }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
