import Foundation

/// Mainland phone numbers as people write them in sheets.
enum PhoneNumber {
    enum Parsed: Equatable {
        case mobile(String)
        case landline(String)
        /// Excel wrote the number as "1.38123E+10": the digits are lost.
        case scientific
        case invalid
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// `^1[3-9]\d{9}$`
    static func isMobile(_ digits: String) -> Bool {
        let utf8 = digits.utf8
        guard utf8.count == 11, utf8.allSatisfy(isDigit) else { return false }
        var iterator = utf8.makeIterator()
        guard iterator.next() == UInt8(ascii: "1"), let second = iterator.next(),
            second >= UInt8(ascii: "3")
        else { return false }
        return true
    }

    /// Area code with leading 0 and a 7–8 digit number (10–12 digits), or a local 7–8 digit number.
    static func isLandline(_ digits: String) -> Bool {
        let utf8 = digits.utf8
        guard utf8.allSatisfy(isDigit), let first = utf8.first else { return false }
        if first == UInt8(ascii: "0") { return (10...12).contains(utf8.count) }
        return (7...8).contains(utf8.count) && first != UInt8(ascii: "1")
    }

    /// Parses a cell (already trimmed): strips spaces, dashes, brackets and a +86 / 0086 / 86 prefix,
    /// turns full-width digits into ASCII, and undoes Excel's "13812345678.0" and exact scientific notation.
    static func parse(_ raw: String) -> Parsed {
        let text = Normalise.code(raw)
        var digits = ""
        digits.reserveCapacity(text.utf8.count)
        var sawExponent = false
        var sawDot = false
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, UInt8(ascii: "+"): digits.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"): continue
            case UInt8(ascii: "E"), UInt8(ascii: "e"): sawExponent = true; digits.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "."): sawDot = true; digits.unicodeScalars.append(Unicode.Scalar(byte))
            default: return .invalid
            }
        }
        if sawExponent {
            // Only a mantissa with all 11 digits is exact ("1.3812345678E10"); Excel's "1.38123E+10" lost them.
            let mantissa = digits.prefix(while: { $0 != "E" && $0 != "e" })
            guard mantissa.filter(\.isWholeNumber).count >= 11 else { return .scientific }
            guard let value = Decimal(string: digits, locale: Locale(identifier: "en_US_POSIX")) else { return .invalid }
            let text = NSDecimalNumber(decimal: value).stringValue
            if isMobile(text) { return .mobile(text) }
            return .scientific
        }
        if sawDot {
            // "13812345678.0" from a number cell; anything else with a dot is not a phone number.
            guard digits.hasSuffix(".0") else { return .invalid }
            digits.removeLast(2)
            if digits.contains(".") { return .invalid }
        }
        if digits.hasPrefix("+86") {
            digits.removeFirst(3)
        } else if digits.hasPrefix("0086") {
            digits.removeFirst(4)
        } else if digits.hasPrefix("86") && digits.utf8.count == 13 {
            digits.removeFirst(2)
        }
        if digits.contains("+") { return .invalid }
        if isMobile(digits) { return .mobile(digits) }
        if isLandline(digits) { return .landline(digits) }
        return .invalid
    }
}

enum ValueParsers {
    static func sex(_ raw: String) -> ImportSex?? {
        switch Normalise.code(raw).lowercased() {
        case "": return .some(nil)
        case "男", "男性", "male", "m", "man": return .male
        case "女", "女性", "female", "f", "woman": return .female
        default: return nil
        }
    }

    /// Yes/no: 是/否, yes/no, y/n, 1/0, true/false, √/×, 需要/不需要, 有/无. `.some(nil)` when empty, nil if unknown.
    static func yesNo(_ raw: String) -> Bool?? {
        switch Normalise.code(raw).lowercased() {
        case "": return .some(nil)
        case "是", "yes", "y", "1", "true", "√", "✓", "✔", "需要", "要", "有", "对": return true
        case "否", "no", "n", "0", "false", "×", "✗", "✘", "x", "不需要", "不要", "无", "没有", "不是": return false
        default: return nil
        }
    }

    private static let dateSeparators: Set<Character> = ["-", "/", ".", "年", "月", "日", "号", " ", ":", "T"]

    /// Digit groups of a date-like text, or nil if it has other characters.
    private static func numberGroups(_ text: String) -> [Substring]? {
        var groups: [Substring] = []
        var start: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isASCII, character.isNumber {
                if start == nil { start = index }
            } else {
                if let begin = start { groups.append(text[begin..<index]); start = nil }
                guard dateSeparators.contains(character) else { return nil }
            }
            index = text.index(after: index)
        }
        if let begin = start { groups.append(text[begin...]) }
        return groups
    }

    /// A date: 2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日, 20250630, 2025-06 (end of that month),
    /// an ISO date with a time, or (for XLSX) an Excel serial day number.
    static func date(_ raw: String, excelSerials: Bool, date1904: Bool) -> ImportDate? {
        let text = Normalise.code(raw)
        guard let groups = numberGroups(text), let first = groups.first else { return nil }
        if groups.count == 1 {
            if first.count == 8, let year = Int(first.prefix(4)), let month = Int(first.dropFirst(4).prefix(2)),
                let day = Int(first.suffix(2))
            {
                return ImportDate(year: year, month: month, day: day)
            }
            if excelSerials, first.count <= 7, first == Substring(text), let serial = Int(first), serial > 0,
                let iso = XLSXReader.dateText(serial: Double(serial), date1904: date1904)
            {
                return date(iso, excelSerials: false, date1904: false)
            }
            return nil
        }
        guard first.count == 4, let year = Int(first), let month = Int(groups[1]) else { return nil }
        if groups.count == 2 {
            guard (1...12).contains(month) else { return nil }
            return ImportDate(year: year, month: month, day: ImportDate.daysIn(month: month, year: year))
        }
        guard let day = Int(groups[2]) else { return nil }
        return ImportDate(year: year, month: month, day: day)
    }

    /// A birth year: 1958, 1958年, a birth date (1958-03-02, 1958年3月, 19580302) or, for XLSX, an Excel date serial.
    /// Returns nil when unreadable; the caller checks the range.
    static func year(_ raw: String, excelSerials: Bool, date1904: Bool) -> Int? {
        let text = Normalise.code(raw)
        guard let groups = numberGroups(text), let first = groups.first else { return nil }
        if groups.count == 1 {
            if first.count == 4 { return Int(first) }
            if first.count == 8 { return date(text, excelSerials: false, date1904: false)?.year }
            if excelSerials, first.count == 5, first == Substring(text) {
                return date(text, excelSerials: true, date1904: date1904)?.year
            }
            return nil
        }
        guard first.count == 4 else { return nil }
        // A full date must be a real date; "1958年" or "1958-03" only needs the year.
        if groups.count >= 3 { return date(text, excelSerials: false, date1904: false)?.year }
        if let month = Int(groups[1]), !(1...12).contains(month) { return nil }
        return Int(first)
    }

    /// Maps one group name to codes; nil if unknown. "老党员" is both a party member and elderly.
    static func groups(_ item: String) -> [VolunteerGroup]? {
        var key = HeaderMapping.normalise(item)
        if key.hasSuffix("志愿者") && key.count > 3 { key.removeLast(3) }
        if key.hasSuffix("volunteers") && key.count > 10 { key.removeLast(10) }
        if key.hasSuffix("volunteer") && key.count > 9 { key.removeLast(9) }
        switch key {
        case "党员", "共产党员", "中共党员", "预备党员", "party", "partymember", "cpc", "cpcmember":
            return [.partyMember]
        case "青年", "团员", "共青团员", "youth", "young":
            return [.youth]
        case "巾帼", "妇女", "women", "woman":
            return [.women]
        case "老年", "老年人", "老人", "银龄", "三老", "老干部", "老职工", "elderly", "senior", "seniors":
            return [.elderly]
        case "老党员":
            return [.partyMember, .elderly]
        case "居民", "社区居民", "resident", "residents":
            return [.resident]
        case "学生", "大学生", "中学生", "student", "students":
            return [.student]
        default:
            return nil
        }
    }
}
