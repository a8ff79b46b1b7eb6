/// Small text clean-ups shared by header mapping and row validation.
enum Normalise {
    /// Whitespace as people type it into spreadsheets: ASCII and full-width spaces (U+3000),
    /// no-break space, zero-width space and a stray BOM.
    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0xA0, 0x3000, 0x200B, 0xFEFF, 0x2000...0x200A, 0x202F, 0x205F:
            return true
        default:
            return false
        }
    }

    /// Trims leading and trailing whitespace (including full-width spaces).
    static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return text }
        return String(scalars[first...last])
    }

    /// Trims and turns full-width digits (０-９) into ASCII digits.
    static func cell(_ text: String) -> String {
        let trimmed = trim(text)
        guard trimmed.unicodeScalars.contains(where: { $0.value >= 0xFF10 && $0.value <= 0xFF19 }) else {
            return trimmed
        }
        var out = String.UnicodeScalarView()
        for scalar in trimmed.unicodeScalars {
            if scalar.value >= 0xFF10 && scalar.value <= 0xFF19, let ascii = Unicode.Scalar(scalar.value - 0xFEE0) {
                out.append(ascii)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Trims, turns every full-width ASCII form (Ｙ, ＋, －, （ …) into ASCII and full-width spaces into
    /// spaces: for codes such as phone numbers, years, dates, IDs, sex and yes/no.
    static func code(_ text: String) -> String {
        let trimmed = trim(text)
        guard trimmed.unicodeScalars.contains(where: { $0.value >= 0xFF01 && $0.value <= 0xFF5E || $0.value == 0x3000 })
        else { return trimmed }
        var out = String.UnicodeScalarView()
        for scalar in trimmed.unicodeScalars {
            if scalar.value >= 0xFF01 && scalar.value <= 0xFF5E, let ascii = Unicode.Scalar(scalar.value - 0xFEE0) {
                out.append(ascii)
            } else if scalar.value == 0x3000 {
                out.append(" ")
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Is this a CJK ideograph (the characters of a Chinese name)?
    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F, 0x00B7, 0x30FB:
            return true  // includes the middle dots of transliterated names (·, ・)
        default:
            return false
        }
    }

    /// A person's name: trimmed; spaces that pad a Chinese name to line up in Excel ("王  芳") removed.
    static func name(_ text: String) -> String {
        let trimmed = cell(text)
        let scalars = trimmed.unicodeScalars
        guard scalars.contains(where: isSpace) else { return trimmed }
        if scalars.allSatisfy({ isSpace($0) || isCJK($0) }) {
            var out = String.UnicodeScalarView()
            for scalar in scalars where !isSpace(scalar) { out.append(scalar) }
            return String(out)
        }
        // Latin names: collapse runs of spaces to one.
        var out = String.UnicodeScalarView()
        var previousSpace = false
        for scalar in scalars {
            if isSpace(scalar) {
                if !previousSpace { out.append(" ") }
                previousSpace = true
            } else {
                out.append(scalar)
                previousSpace = false
            }
        }
        return String(out)
    }

    /// Separators between items of a list cell: 、 , ， ; ； / ／ | ｜ and line breaks.
    static func isListSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3001, 0x2C, 0xFF0C, 0x3B, 0xFF1B, 0x2F, 0xFF0F, 0x7C, 0xFF5C, 0x0A, 0x0D:
            return true
        default:
            return false
        }
    }

    /// Splits a list cell ("党员、青年" or "急救, 护理") into trimmed, non-empty, de-duplicated items.
    static func list(_ text: String) -> [String] {
        var items: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            let item = cell(String(current))
            if !item.isEmpty && !items.contains(item) { items.append(item) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if isListSeparator(scalar) { flush() } else { current.append(scalar) }
        }
        flush()
        return items
    }

    /// A value shortened for an error message, so that a long cell (or a care note) is not echoed whole.
    static func excerpt(_ text: String, limit: Int = 40) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "…"
    }
}
