import Foundation
import LinliDatabase
import LinliDomain

extension ID: PostgresEncodable, PostgresDecodable, PostgresArrayElement {
    public var postgresText: String? { description }
    public static var postgresTypeOID: UInt32 { UUID.postgresTypeOID }
    public static var postgresArrayTypeOID: UInt32 { UUID.postgresArrayTypeOID }
    public init?(postgresText: String) { self.init(uuidString: postgresText) }
    public static var postgresTypeName: String { "ID<\(Entity.self)>" }
}

extension LocalDate: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { description }
    /// `date`.
    public static var postgresTypeOID: UInt32 { 1082 }
    public init?(postgresText: String) { self.init(iso: postgresText) }
    public static var postgresTypeName: String { "date" }
}

/// A Swift enum stored as a PostgreSQL enum of the same labels. Sent untyped (OID 0) so
/// the server reads it as the column's enum type.
public protocol PostgresEnum: RawRepresentable, PostgresEncodable, PostgresDecodable, PostgresArrayElement
where RawValue == String {}

extension PostgresEnum {
    public var postgresText: String? { rawValue }
    public static var postgresTypeOID: UInt32 { 0 }
    public static var postgresArrayTypeOID: UInt32 { 0 }
    public init?(postgresText: String) { self.init(rawValue: postgresText) }
}

extension Sex: PostgresEnum {}
extension VolunteerGroup: PostgresEnum {}
extension NotifyChannel: PostgresEnum {}
extension AbsenceReason: PostgresEnum {}
extension PlaceKind: PostgresEnum {}
extension Role: PostgresEnum {}
extension ServiceKind: PostgresEnum {}
extension CalendarDayKind: PostgresEnum {}
extension SlotStatus: PostgresEnum {}
extension BookingState: PostgresEnum {}
extension RosterState: PostgresEnum {}
extension AttendanceStatus: PostgresEnum {}
