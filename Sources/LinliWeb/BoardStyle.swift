import Foundation

extension PageStyle {
    /// The roster board's and the patrol leader's page's rules: the week grid, slot cards whose
    /// state shows by colour AND by a symbol and words (⚠ short, ✓ filled, 📌 pinned), panels,
    /// and big targets (44 px at least) for people not quick with a mouse.
    static let boardCSS = """
        .wide{max-width:none;margin:1rem;padding:0 .5rem}\
        nav.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;margin:0 0 1rem}\
        nav.top a{display:inline-block;padding:.5rem 0;min-height:44px;box-sizing:border-box}\
        table.board th,table.board td{font-size:1rem;min-width:7.5rem}\
        table.board th[scope=row]{white-space:nowrap}\
        .slot{border:2px solid #555;padding:.3rem;margin:0 0 .4rem;background:#fff}\
        .slot.unfilled{border:3px solid #a00;background:#fde8e8}\
        .slot.full{border-color:#17663a;background:#e6f4ea}\
        .slot.cancelled{border-style:dashed;background:#eee;text-decoration:line-through}\
        .slot.chosen{outline:4px solid #0050b3}\
        .mark{font-weight:bold;display:block}\
        .slot.unfilled .mark{color:#a00}.slot.full .mark{color:#17663a}\
        .pin{font-weight:bold;color:#5a3e00}\
        .slot ul,.plain{list-style:none;padding:0;margin:0}\
        .slot a{display:inline-block;min-height:44px;padding:.5rem 0;box-sizing:border-box}\
        .notice{border:2px solid #17663a;color:#17663a;padding:.5rem}\
        .notice::before{content:"✓ "}\
        .panel{border:2px solid #333;padding:.75rem 1rem;margin:1rem 0}\
        .panel h2{margin-top:0}\
        .columns{display:flex;flex-wrap:wrap;gap:0 1.5rem}.columns>*{flex:1 1 26rem}\
        select{font-size:1.2rem;padding:.5rem;border:2px solid #333;max-width:100%;min-height:44px}\
        select:focus{outline:3px solid #0050b3;outline-offset:2px}\
        button.small{font-size:1rem;padding:.4rem .9rem;min-height:44px}\
        button.secondary{background:#fff;color:#003d8a}\
        form.inline{display:inline-block;margin:.2rem .3rem .2rem 0}\
        li.person{margin:.3rem 0}\
        .field-error{color:#a00;font-weight:bold;margin:.25rem 0}\
        .field-error::before{content:"⚠ "}\
        .changes li.add::before{content:"＋ "}.changes li.remove::before{content:"－ "}\
        .qr img{width:14rem;height:14rem;border:1px solid #000}\
        .link{word-break:break-all;font-family:monospace}\
        input.short{width:10rem}\
        form.week-form{display:flex;flex-wrap:wrap;align-items:flex-end;gap:.5rem 1rem}\
        form.week-form .field{margin:0}\
        p.exports a,ul.links a{display:inline-block;padding:.5rem .25rem;min-height:44px;box-sizing:border-box}
        """
}

extension RosterSheet {
    /// "周一" / "Mon" for an ISO weekday (1 is Monday), as the sign-in sheet writes it.
    public static func weekdayName(_ isoWeekday: Int, _ language: PageLanguage) -> String {
        weekday(isoWeekday, language)
    }

    /// "08:00" in `zone`, as the sign-in sheet writes it.
    public static func clockTime(_ date: Date, _ zone: TimeZone) -> String { time(date, zone) }
}
