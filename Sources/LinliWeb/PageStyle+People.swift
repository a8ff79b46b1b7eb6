extension PageStyle {
    /// The volunteer page's availability grid: seven equal day columns, so a cell that holds a
    /// choice of times is no wider than one with a tick box. A resident's care notes keep their lines.
    static let peopleCSS = """
        table.availability{table-layout:fixed}table.availability th[scope=row]{width:6.5rem}\
        table.availability td{padding:.3rem}table.availability td select{width:100%;font-size:1rem;padding:.3rem}\
        table.availability label.check{padding:.3rem;gap:.4rem}table.availability small{font-size:1rem}\
        p.care-notes{white-space:pre-line}
        """
}
