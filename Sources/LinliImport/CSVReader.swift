/// RFC 4180 CSV over UTF-8 bytes: quoted fields, doubled quotes, line breaks inside quotes,
/// CRLF, LF or CR line ends, a trailing line end ignored.
///
/// Lenient where Excel is lenient: a quote inside an unquoted cell is kept as a character, and text
/// after the closing quote of a quoted cell is appended to it. An unclosed quote is an error.
enum CSVReader {
    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// Picks the delimiter from the first line: a comma if it has one, otherwise tab or semicolon,
    /// whichever occurs more often (outside quotes). Also honours Excel's `sep=;` first line;
    /// `headerSkip` is then the number of bytes of that line.
    static func detectDelimiter(_ bytes: [UInt8]) -> (delimiter: UInt8, skip: Int) {
        var end = 0
        while end < bytes.count && bytes[end] != lf && bytes[end] != cr { end += 1 }
        // Excel's "sep=X" hint line.
        if end == 5, bytes.count >= 5,
            bytes[0] | 0x20 == UInt8(ascii: "s"), bytes[1] | 0x20 == UInt8(ascii: "e"),
            bytes[2] | 0x20 == UInt8(ascii: "p"), bytes[3] == UInt8(ascii: "=")
        {
            var skip = end
            if skip < bytes.count && bytes[skip] == cr { skip += 1 }
            if skip < bytes.count && bytes[skip] == lf { skip += 1 }
            return (bytes[4], skip)
        }
        var commas = 0, tabs = 0, semicolons = 0
        var inQuotes = false
        for index in 0..<end {
            switch bytes[index] {
            case quote: inQuotes.toggle()
            case UInt8(ascii: ",") where !inQuotes: commas += 1
            case UInt8(ascii: "\t") where !inQuotes: tabs += 1
            case UInt8(ascii: ";") where !inQuotes: semicolons += 1
            default: break
            }
        }
        if commas > 0 { return (UInt8(ascii: ","), 0) }
        if tabs == 0 && semicolons == 0 { return (UInt8(ascii: ","), 0) }
        return (tabs >= semicolons ? UInt8(ascii: "\t") : UInt8(ascii: ";"), 0)
    }

    /// Parses every record. Each record becomes one row; an empty line becomes a row with one empty cell,
    /// so that row numbers match what a spreadsheet program shows.
    static func parse(_ bytes: [UInt8], delimiter: UInt8, start: Int = 0) throws(ImportFileError) -> [[String]] {
        var rows: [[String]] = []
        rows.reserveCapacity(bytes.count / 64 + 1)
        var result: ImportFileError?
        bytes.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            var index = start
            var row: [String] = []
            var field: [UInt8] = []
            field.reserveCapacity(64)

            @inline(__always) func cellString(_ slice: UnsafeBufferPointer<UInt8>.SubSequence) -> String {
                String(decoding: UnsafeBufferPointer(rebasing: slice), as: UTF8.self)
            }

            while index < count {
                // Start of a field.
                if buffer[index] == quote {
                    // Quoted field.
                    let openedOnRow = rows.count + 1
                    field.removeAll(keepingCapacity: true)
                    index += 1
                    var closed = false
                    while index < count {
                        let byte = buffer[index]
                        if byte == quote {
                            if index + 1 < count && buffer[index + 1] == quote {
                                field.append(quote)
                                index += 2
                            } else {
                                index += 1
                                closed = true
                                break
                            }
                        } else {
                            // Copy a run of ordinary bytes at once.
                            var runEnd = index + 1
                            while runEnd < count && buffer[runEnd] != quote { runEnd += 1 }
                            field.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<runEnd]))
                            index = runEnd
                        }
                    }
                    if !closed {
                        result = .unclosedQuote(row: openedOnRow)
                        return
                    }
                    // Excel keeps text after the closing quote ("ab"cd -> abcd).
                    while index < count, buffer[index] != delimiter, buffer[index] != cr, buffer[index] != lf {
                        field.append(buffer[index])
                        index += 1
                    }
                    row.append(String(decoding: field, as: UTF8.self))
                } else {
                    var end = index
                    while end < count, buffer[end] != delimiter, buffer[end] != cr, buffer[end] != lf { end += 1 }
                    row.append(cellString(buffer[index..<end]))
                    index = end
                }
                // After a field: delimiter, line end or end of input.
                if index >= count {
                    rows.append(row)
                    row = []
                    break
                }
                let byte = buffer[index]
                if byte == delimiter {
                    index += 1
                    if index >= count {
                        // "a,b," at the very end: a last empty field.
                        row.append("")
                        rows.append(row)
                        row = []
                    }
                    continue
                }
                // Line end: CRLF, LF or CR.
                if byte == cr && index + 1 < count && buffer[index + 1] == lf { index += 2 } else { index += 1 }
                rows.append(row)
                row = []
                // An empty line: a row with one empty cell (unless it is the trailing line end).
                while index < count && (buffer[index] == lf || buffer[index] == cr) {
                    if buffer[index] == cr && index + 1 < count && buffer[index + 1] == lf { index += 2 } else { index += 1 }
                    rows.append([""])
                }
            }
        }
        if let result { throw result }
        return rows
    }
}
