import Foundation
import HTTPTypes
import Hummingbird
import LinliDomain
import LinliStorage

/// `/api/v1/communities/{code}/assignments/{id}/attendance`: whether a volunteer came to a shift
/// of the published roster, and for how long. Recording it books the minutes in the
/// service-hours ledger (a database trigger); recording it twice is a 409 (correct it with PUT).
struct AttendanceController: Sendable {
    let store: Store
    let maxBodyBytes: Int

    static let notFound = LocalizedText("该排班没有考勤记录", "No attendance is recorded for this assignment")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("assignments/{id}/attendance") { request, context in try await read(request, context) }
        group.post("assignments/{id}/attendance") { request, context in try await record(request, context, correcting: false) }
        group.put("assignments/{id}/attendance") { request, context in try await record(request, context, correcting: true) }
    }

    /// The body of POST and PUT.
    struct Write: KnownFields {
        let status: AttendanceStatus
        let minutes: Int?
        let note: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case status, minutes, note
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    /// Attendance as the API shows it.
    struct Body: Encodable {
        let assignmentID: String
        let status: AttendanceStatus
        let minutes: Int
        let note: String?

        enum CodingKeys: String, CodingKey {
            case status, minutes, note
            case assignmentID = "assignment_id"
        }

        init(_ attendance: Attendance) {
            assignmentID = attendance.assignmentID.description
            status = attendance.status
            minutes = attendance.minutes
            note = attendance.note
        }
    }

    func read(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, Assignment.self, what: Self.notFound)
        do {
            let attendance = try await store.transaction(context.scope()) { tx in
                try await AttendanceStore().attendance(id, on: tx)
            }
            return try jsonResponse(Body(attendance))
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound(Self.notFound)
        }
    }

    func record(_ request: Request, _ context: APIRequestContext, correcting: Bool) async throws -> Response {
        let id = try request.pathID(context, Assignment.self, what: Self.notFound)
        let body = try await JSONBody.read(Write.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let minutes = body.minutes ?? (body.status == .absent ? 0 : nil)
        if minutes == nil { validation.fail("minutes", "required", "出勤须填写分钟数", "required unless absent") }
        validation.range("minutes", minutes, 0...1440)
        if body.status == .absent, let minutes, minutes != 0 {
            validation.fail("minutes", "invalid_value", "缺勤时分钟数须为 0", "must be 0 when absent")
        }
        validation.text("note", body.note, max: 500)
        try validation.check()
        let attendance = Attendance(assignmentID: id, status: body.status, minutes: minutes ?? 0, note: body.note)
        do {
            try await store.transaction(context.scope()) { tx in
                if correcting {
                    try await AttendanceStore().correct(attendance, on: tx)
                } else {
                    try await AttendanceStore().record(attendance, on: tx)
                }
            }
        } catch let error as StorageError where error.code == .duplicate {
            throw Problem(
                .conflict, code: "attendance_recorded",
                detail: .init(
                    "该志愿者在这个班次的考勤已记录；如需更正请用 PUT",
                    "Attendance for this volunteer on this shift is already recorded; correct it with PUT"))
        } catch let error as StorageError where error.code == .notFound {
            throw Problem.notFound(correcting ? Self.notFound : .init("没有这个排班", "There is no such assignment"))
        } catch let error as StorageError where error.code == .invalidValue && error.constraint == nil {
            throw Problem(
                .unprocessableContent, code: "assignment_not_live",
                detail: .init("只能为已发布排班中的班次记录考勤", "Attendance can only be recorded for a shift of the published roster"))
        }
        return try jsonResponse(Body(attendance), status: correcting ? .ok : .created)
    }
}
