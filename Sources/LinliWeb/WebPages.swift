import Crypto
import Foundation
import Mustache

/// The language a page is written in: Chinese unless English is asked for.
public enum PageLanguage: String, Sendable, CaseIterable {
    case zhCN = "zh-CN"
    case en
}

/// Why a page could not be rendered: a template missing or broken in the shipped resources.
public struct WebError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; compare with the static constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case templatesMissing, templateMissing, templateBroken
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The Templates folder is not among the module's resources.
        public static let templatesMissing = Code(.templatesMissing)
        /// No template has the name asked for.
        public static let templateMissing = Code(.templateMissing)
        /// A template does not parse.
        public static let templateBroken = Code(.templateBroken)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// The page templates (swift-mustache, shipped as resources in Templates/) and what every page
/// shares: the base layout with its `lang` attribute, the stylesheet, HTML escaping of every
/// `{{value}}` (only the layout's stylesheet is written unescaped), and the strings table.
/// Load once at start-up; rendering is synchronous and thread-safe.
public struct WebPages: Sendable {
    private let library: MustacheLibrary

    /// Reads every `.mustache` file of the module's Templates folder, each named by its file
    /// name. Synchronous (unlike `MustacheLibrary(directory:)`) so the router can load the pages
    /// while it is built.
    public static func load() throws -> WebPages {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw WebError(code: .templatesMissing, message: "LinliWeb's Templates folder is not in the bundle")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var library = MustacheLibrary()
        for name in names.sorted() where name.hasSuffix(".mustache") {
            let url = folder.appendingPathComponent(name)
            do {
                try library.register(String(contentsOf: url, encoding: .utf8), named: String(name.dropLast(".mustache".count)))
            } catch {
                throw WebError(code: .templateBroken, message: "\(name): \(error)")
            }
        }
        guard !names.isEmpty else { throw WebError(code: .templatesMissing, message: "no templates in \(folder.path)") }
        return WebPages(library: library)
    }

    private init(library: MustacheLibrary) { self.library = library }

    /// Renders `template` (a file name without `.mustache`) inside the layout, with `values`,
    /// the strings of `language` as `t`, and the layout's `lang`, `css` and `title`.
    public func render(_ template: String, title: String, values: [String: Any], language: PageLanguage) throws -> String {
        var context = values
        context["lang"] = language.rawValue
        context["css"] = PageStyle.css
        context["title"] = title
        context["t"] = WebStrings.table(language)
        guard let html = library.render(context, withTemplate: template) else {
            throw WebError(code: .templateMissing, message: "no template named \(template)")
        }
        return html
    }
}

/// The headers every page is sent with. The Content-Security-Policy allows no script at all,
/// no plug-ins, no framing and no outside resources; the one stylesheet is inline and allowed
/// by its SHA-256, so no `'unsafe-inline'` is needed.
public enum PageSecurity {
    public static let contentSecurityPolicy =
        "default-src 'none'; style-src '\(PageStyle.hash)'; img-src 'self' data:; base-uri 'none'; "
        + "form-action 'self'; frame-ancestors 'none'"

    /// Name and value of each header, for the HTTP layer to set.
    public static let headers: [(name: String, value: String)] = [
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ]
}

/// The pages' stylesheet: large type (≥16 px on screen, 12 pt in print), high contrast, A4 print
/// layout with repeated table headers and rows that do not break across pages.
enum PageStyle {
    static let css = """
        :root{color:#111;background:#fff;font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif}\
        body{margin:0;font-size:18px;line-height:1.5}\
        .sheet{max-width:60rem;margin:1rem auto;padding:0 1rem}\
        h1{font-size:1.8rem;margin:0 0 .5rem}\
        .meta{display:flex;flex-wrap:wrap;gap:.25rem 2rem;margin:0 0 .75rem}\
        .meta div{display:flex;gap:.5rem}.meta dt{font-weight:bold}.meta dd{margin:0}\
        .hint{border:2px solid #333;padding:.5rem;font-size:1rem}\
        table{width:100%;border-collapse:collapse}\
        th,td{border:1px solid #000;padding:.4rem .5rem;text-align:left;vertical-align:top}\
        th{background:#eee}\
        td.signature,th.signature{width:9rem}\
        td.date{white-space:nowrap}td.time{white-space:nowrap}\
        .narrow{max-width:32rem}\
        .field{margin:0 0 1rem}.field label{display:block;font-weight:bold;margin:0 0 .25rem}\
        input{font-size:1.2rem;padding:.5rem;width:100%;box-sizing:border-box;border:2px solid #333}\
        input:focus,button:focus,a:focus{outline:3px solid #0050b3;outline-offset:2px}\
        button{font-size:1.2rem;padding:.6rem 1.5rem;border:2px solid #003d8a;background:#0050b3;color:#fff;cursor:pointer}\
        .error{border:2px solid #a00;color:#a00;padding:.5rem}\
        .error::before{content:"⚠ "}\
        nav.lang{text-align:right}a{color:#0050b3}\
        tr.cancelled td{text-decoration:line-through}\
        footer{margin-top:.75rem;font-size:.9rem}\
        @page{size:A4;margin:14mm 12mm}\
        @media print{body{font-size:12pt}.sheet{max-width:none;margin:0;padding:0}.hint{display:none}\
        th{background:none}thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}\
        td{height:2.2em}}
        """ + desk + boardCSS + reportsCSS + peopleCSS

    /// `sha256-…` of the stylesheet, as a CSP source.
    static let hash = "sha256-" + Data(SHA256.hash(data: Data(css.utf8))).base64EncodedString()
}
