#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Converts bytes between character sets with the C library's iconv.
///
/// Foundation on Linux has no GB18030 decoder, glibc's iconv has a complete one.
enum Iconv {
    enum Failure: Error, Equatable {
        /// iconv cannot convert between these two encodings here.
        case unsupported
        /// An invalid (or, at the end of the input, incomplete) sequence starts at this byte offset.
        case invalidSequence(byteOffset: Int)
    }

    /// Decodes `bytes` from the encoding `from` (an iconv name such as "GB18030") into a String.
    static func decode(_ bytes: [UInt8], from: String) throws(Failure) -> String {
        let utf8 = try convert(bytes, from: from, to: "UTF-8")
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Converts `bytes` from one encoding to another, returning the converted bytes.
    /// `initialCapacity` is the first output buffer size (it grows on E2BIG); nil picks one from the input size.
    static func convert(
        _ bytes: [UInt8], from: String, to: String,
        initialCapacity: Int? = nil
    ) throws(Failure) -> [UInt8] {
        let handle = iconv_open(to, from)
        // iconv_open reports failure as (iconv_t)-1.
        guard let cd = handle, Int(bitPattern: cd) != -1 else { throw .unsupported }
        defer { iconv_close(cd) }
        if bytes.isEmpty { return [] }

        var output = [UInt8](repeating: 0, count: max(1, initialCapacity ?? (bytes.count + bytes.count / 2 + 16)))
        var produced = 0
        var consumed = 0
        var failure: Failure?

        var input = bytes
        input.withUnsafeMutableBufferPointer { inBuffer in
            guard let inBase = inBuffer.baseAddress else { return }
            while consumed < bytes.count {
                let outCapacity = output.count - produced
                var inLeft = bytes.count - consumed
                var outLeft = outCapacity
                let result: Int = output.withUnsafeMutableBufferPointer { outBuffer -> Int in
                    guard let outBase = outBuffer.baseAddress else { return -1 }
                    var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBase + consumed)
                        .assumingMemoryBound(to: CChar.self)
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBase + produced)
                        .assumingMemoryBound(to: CChar.self)
                    return iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                }
                let savedErrno = errno
                consumed = bytes.count - inLeft
                produced += outCapacity - outLeft
                if result != -1 { break }
                if savedErrno == E2BIG {
                    output.append(contentsOf: repeatElement(0, count: max(64, output.count)))
                    continue
                }
                // EILSEQ (invalid) or EINVAL (incomplete at the end): both mean the input is not `from`.
                failure = .invalidSequence(byteOffset: consumed)
                return
            }
        }
        if let failure { throw failure }
        output.removeSubrange(produced...)
        return output
    }
}
