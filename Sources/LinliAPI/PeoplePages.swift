import Foundation
import HTTPTypes
import Hummingbird
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliWeb

/// What the volunteer, resident and import pages share: the layout values every one of them
/// needs (menu, language switch, CSRF token, the people strings as `p`), field errors in the
/// page's language, and the weekly availability grid.
struct PeoplePages: Sendable {
    let pages: Result<WebPages, any Error>

    /// Renders `template` for `page`; `path` is the page's own path (for the language switch).
    func render(
        _ template: String, title: String, _ page: StaffPage, path: String, _ values: [String: Any],
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let language = page.language
        let other: PageLanguage = language == .en ? .zhCN : .en
        var values = values
        values["csrf"] = page.csrf
        values["query"] = page.query
        values["p"] = WebStrings.peopleTable(language)
        values["communityName"] = page.community.name
        values["otherLang"] = other.rawValue
        values["otherLanguageName"] = other == .en ? "English" : "中文"
        values["otherLangHref"] = "\(path)?community=\(StaffPage.encode(page.community.code))&lang=\(other.rawValue)"
        values["navVolunteers"] = page.may(.volunteers, .read)
        values["navResidents"] = page.may(.residents, .read)
        values["navImport"] = ImportPagesController.mayImport(page)
        let html = try pages.get().render(
            template, title: "\(title) · \(page.community.name)", values: PageValues.dropEmpty(values), language: language)
        var response = htmlResponse(html, language: language)
        response.status = status
        return response
    }

    /// A page route's handler.
    typealias Handler = @Sendable (Request, APIRequestContext) async throws -> Response

    /// Registers page routes, each answering through `StaffPage.respond` (a redirect to sign in
    /// when signed out).
    static func add(_ routes: [(HTTPRequest.Method, String, Handler)], to router: Router<APIRequestContext>) {
        for (method, path, handler) in routes {
            router.on(RouterPath(path), method: method) { request, context in
                try await StaffPage.respond { try await handler(request, context) }
            }
        }
    }

    /// The path parameter `name` as an ID; 404 with `missing` when it is not one.
    static func id<T>(_ context: APIRequestContext, _ name: String = "id", missing: LocalizedText) throws -> ID<T> {
        guard let id = context.parameters.get(name).flatMap(ID<T>.init(uuidString:)) else {
            throw Problem.notFound(missing)
        }
        return id
    }

    /// The start page's links to these pages, for the roles AccessPolicy lets read them.
    static func homeLinks(_ roles: Set<Role>, _ language: PageLanguage) -> [[String: String]] {
        var links: [[String: String]] = []
        let lang = "lang=\(language.rawValue)"
        if AccessPolicy.allows(roles, .volunteers, .read) {
            links.append(["href": "/app/volunteers?\(lang)", "label": WebStrings.people("volunteers", language)])
        }
        if AccessPolicy.allows(roles, .residents, .read) {
            links.append(["href": "/app/residents?\(lang)", "label": WebStrings.people("residents", language)])
        }
        if AccessPolicy.allows(roles, .volunteers, .write) {
            links.append(["href": "/app/import?\(lang)", "label": WebStrings.people("import", language)])
        }
        return links
    }

    /// The validation's problems as field → message in the page's language (the first per field).
    static func errors(_ validation: Validation, _ language: PageLanguage) -> [String: String] {
        Dictionary(
            validation.problems.map { ($0.field, $0.message.text(Language(language))) }, uniquingKeysWith: { first, _ in first })
    }

    /// A text field's template values (rendered by `people-field`).
    static func field(
        _ name: String, label: String, value: String?, error: String?, type: String = "text", inputmode: String = "",
        maxlength: Int = 50, required: Bool = false
    ) -> [String: Any] {
        [
            "fieldName": name, "fieldLabel": label, "fieldValue": value ?? "", "fieldError": error ?? "", "fieldType": type,
            "fieldMode": inputmode, "fieldMax": maxlength, "fieldRequired": required,
        ]
    }

    /// What every person's form has (name, sex, year of birth), checked: the name's and year's
    /// limits go into `validation`; `errors` gets the page's own words (required name, a year that
    /// is not a number, no sex chosen), which stand over the validation's for the same field.
    static func checkPerson(
        _ fields: [String: String], _ validation: inout Validation, _ language: PageLanguage
    ) -> (name: String?, sex: Sex?, birthYear: Int?, errors: [String: String]) {
        var errors: [String: String] = [:]
        let name = value(fields, "name")
        validation.name("name", name ?? "")
        if name == nil { errors["name"] = WebStrings.people("required", language) }
        let year = value(fields, "birth_year")
        let birthYear = year.flatMap { Int($0) }
        validation.range("birth_year", birthYear, 1900...2100)
        if year != nil && birthYear == nil { errors["birth_year"] = WebStrings.people("yearFormat", language) }
        let sex = fields["sex"].flatMap(Sex.init(rawValue:))
        if sex == nil { errors["sex"] = WebStrings.people("chooseSex", language) }
        return (name, sex, birthYear, errors)
    }

    /// The grid choices of a person's form, the one in `fields["grid"]` selected.
    static func gridOptions(_ grids: [Grid], _ fields: [String: String]) -> [[String: Any]] {
        grids.map { grid in
            ["optionID": grid.id.description, "optionLabel": grid.name, "optionSelected": fields["grid"] == grid.id.description]
        }
    }

    /// The trimmed value of a form field, nil when empty.
    static func value(_ fields: [String: String], _ key: String) -> String? {
        let text = (fields[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// A volunteer's weekly availability as the page's grid: days across, three parts of the day
/// down (上午 06:00–12:00, 下午 12:00–18:00, 晚上 18:00–22:00). The domain stores any windows
/// (minutes from midnight, e.g. 07:30–11:30 from the API or an import), so a cell is full, empty,
/// or partly covered; saving keeps a partly covered cell's exact times unless the coordinator
/// widens or clears it, and always keeps times outside the grid (night, early morning).
enum AvailabilityGrid {
    enum Part: String, CaseIterable {
        case am, pm, eve

        var minutes: Range<Int> {
            switch self {
            case .am: 360..<720
            case .pm: 720..<1080
            case .eve: 1080..<1320
            }
        }
    }

    /// The minutes the grid's cells cover.
    static let covered = 360..<1320

    /// What a cell shows.
    enum Cell: Equatable {
        case full, empty
        /// Partly covered: the exact times inside the cell.
        case partial([Range<Int>])
    }

    /// The form field of a cell: "a_3_pm" (ISO weekday 3, afternoon).
    static func field(_ weekday: Int, _ part: Part) -> String { "a_\(weekday)_\(part.rawValue)" }

    /// One weekday's windows as sorted, merged ranges of minutes.
    static func ranges(_ windows: [AvailabilityWindow], weekday: Int) -> [Range<Int>] {
        merge(windows.filter { $0.weekday == weekday && $0.endMinute > $0.startMinute }.map { $0.startMinute..<$0.endMinute })
    }

    /// Sorted, with overlapping and touching ranges joined.
    static func merge(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var merged: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    static func intersect(_ ranges: [Range<Int>], _ cell: Range<Int>) -> [Range<Int>] {
        ranges.compactMap { range in
            let lower = max(range.lowerBound, cell.lowerBound)
            let upper = min(range.upperBound, cell.upperBound)
            return lower < upper ? lower..<upper : nil
        }
    }

    /// The parts of `ranges` outside the grid's cells.
    static func outside(_ ranges: [Range<Int>]) -> [Range<Int>] {
        ranges.flatMap { range -> [Range<Int>] in
            var pieces: [Range<Int>] = []
            let before = min(range.upperBound, covered.lowerBound)
            if range.lowerBound < before { pieces.append(range.lowerBound..<before) }
            let after = max(range.lowerBound, covered.upperBound)
            if after < range.upperBound { pieces.append(after..<range.upperBound) }
            return pieces
        }
    }

    static func cell(_ ranges: [Range<Int>], _ part: Part) -> Cell {
        let inside = intersect(ranges, part.minutes)
        if inside == [part.minutes] { return .full }
        return inside.isEmpty ? .empty : .partial(inside)
    }

    /// The windows after the grid's form: a ticked cell ("1") or "full" is the whole cell,
    /// "keep" keeps the cell's stored times, anything else clears it; times outside the grid stay.
    static func apply(_ fields: [String: String], to stored: [AvailabilityWindow]) -> [AvailabilityWindow] {
        (1...7).flatMap { weekday -> [AvailabilityWindow] in
            let day = ranges(stored, weekday: weekday)
            var kept = outside(day)
            for part in Part.allCases {
                switch fields[field(weekday, part)] {
                case "1", "full": kept.append(part.minutes)
                case "keep": kept += intersect(day, part.minutes)
                default: break
                }
            }
            return merge(kept).map { AvailabilityWindow(weekday: weekday, startMinute: $0.lowerBound, endMinute: $0.upperBound) }
        }
    }

    /// "07:30–11:30、14:00–16:00".
    static func times(_ ranges: [Range<Int>], _ language: PageLanguage) -> String {
        ranges.map { "\(MessagingRules.clock($0.lowerBound))–\(MessagingRules.clock($0.upperBound))" }
            .joined(separator: WebStrings.text("listSeparator", language))
    }

    /// The grid's template values: the day headers, a row per part with its cells, and the
    /// times outside the grid.
    static func values(_ stored: [AvailabilityWindow], _ language: PageLanguage) -> [String: Any] {
        let days = (1...7).map { ["dayName": RosterSheet.weekdayName($0, language)] }
        let byDay = (1...7).map { ranges(stored, weekday: $0) }
        let rows = Part.allCases.map { part -> [String: Any] in
            let partName = WebStrings.people("part.\(part.rawValue)", language)
            let cells = (1...7).map { weekday -> [String: Any] in
                let label = WebStrings.people(
                    "cellLabel", language, ["day": RosterSheet.weekdayName(weekday, language), "part": partName])
                var values: [String: Any] = ["cellField": field(weekday, part), "cellLabel": label]
                switch cell(byDay[weekday - 1], part) {
                case .full: values["cellChecked"] = true
                case .empty: break
                case .partial(let inside):
                    let text = times(inside, language)
                    values["cellPartial"] = true
                    values["cellKeep"] = WebStrings.people("cellKeep", language)
                    values["cellNow"] = WebStrings.people("partial", language, ["times": text])
                }
                return values
            }
            return [
                "partName": partName,
                "partTimes": "\(MessagingRules.clock(part.minutes.lowerBound))–\(MessagingRules.clock(part.minutes.upperBound))",
                "cells": cells,
            ]
        }
        let other = (1...7).compactMap { weekday -> String? in
            let out = outside(byDay[weekday - 1])
            return out.isEmpty ? nil : "\(RosterSheet.weekdayName(weekday, language)) \(times(out, language))"
        }
        return [
            "days": days, "gridRows": rows,
            "otherTimes": other.joined(separator: language == .en ? "; " : "；"),
        ]
    }
}
