import CQREncode
import Foundation

/// A QR code drawn as SVG on the server, for the patrol leader to put a calendar link on
/// paper or a screen for members' phones. No QR package exists among the Swift packages this
/// project builds with (see the machine's package list), and a QR encoder (Reed–Solomon, masks,
/// versions) is not worth writing by hand, so the matrix comes from Debian's libqrencode
/// (`libqrencode-dev`, the system-library target CQREncode); only the drawing is here.
public enum QRCode {
    /// The SVG of `text` (level M error correction, a quiet zone of 4 modules), or nil when
    /// the text is too long for a QR code.
    public static func svg(_ text: String) -> String? {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        guard width > 0, let data = code.pointee.data else { return nil }
        var path = ""
        for y in 0..<width {
            for x in 0..<width where data[y * width + x] & 1 == 1 {
                path += "M\(x + 4) \(y + 4)h1v1h-1z"
            }
        }
        let size = width + 8
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" shape-rendering="crispEdges">\
            <rect width="\(size)" height="\(size)" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }

    /// The SVG as a `data:` URL for an `<img>` (the pages' CSP allows `img-src data:`).
    public static func dataURL(_ text: String) -> String? {
        svg(text).map { "data:image/svg+xml;base64," + Data($0.utf8).base64EncodedString() }
    }
}
