extension PageStyle {
    /// The reports page's and the outbox page's rules: a row of section links, the server-drawn
    /// bar charts (scaled down on narrow screens, colours as the rest of the pages), numbers
    /// right-aligned, and a visible focus ring on everything the keyboard reaches (date and time
    /// fields too: Chromium focuses a part inside them, where `input:focus` draws nothing).
    static let reportsCSS = """
        :focus-visible{outline:3px solid #0050b3;outline-offset:2px}\
        input:focus-within{outline:3px solid #0050b3;outline-offset:2px}\
        nav.tabs ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;padding:0;margin:0 0 1rem}\
        nav.tabs a{display:inline-block;padding:.5rem .25rem;min-height:44px;box-sizing:border-box}\
        svg.chart{max-width:100%;height:auto;display:block;margin:.5rem 0}\
        svg.chart .bar{fill:#0050b3}svg.chart text{fill:#111;font-size:16px}\
        td.num,th.num{text-align:right;white-space:nowrap}\
        table.messages td{font-size:1rem}table.messages td.nowrap{white-space:nowrap}table.messages td.body{min-width:14rem}\
        .state-failed{color:#a00;font-weight:bold}.state-failed::before{content:"✕ "}\
        .state-sent{color:#17663a}.state-sent::before{content:"✓ "}\
        .state-pending::before{content:"… "}.state-suppressed::before{content:"⏸ "}\
        .to-phone{font-weight:bold;color:#5a3e00}.to-phone::before{content:"☎ "}\
        .raw{display:block;font-size:.9rem;color:#333;word-break:break-word}\
        form.filters,fieldset.filters{display:flex;flex-wrap:wrap;align-items:flex-end;gap:.5rem 1rem;margin:0 0 1rem}\
        .filters .field{margin:0}.filters select,.filters input{width:auto}
        """
}
