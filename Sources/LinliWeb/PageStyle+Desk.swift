/// The booking desk's and call list's styles, added to the pages' one stylesheet (so the CSP's
/// hash still covers everything): a menu, choice grids with large targets, errors under their
/// field, and the print slip in large type.
extension PageStyle {
    static let desk = """
        nav.desk{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.5rem 0;\
        border-bottom:2px solid #333;margin:0 0 1rem}\
        nav.desk a{font-size:1.15rem;padding:.4rem .2rem}\
        select,textarea{font-size:1.2rem;padding:.5rem;width:100%;box-sizing:border-box;border:2px solid #333;\
        background:#fff;color:#111}\
        select:focus,textarea:focus{outline:3px solid #0050b3;outline-offset:2px}\
        fieldset{border:2px solid #333;margin:0 0 1rem;padding:.5rem 1rem 1rem}legend{font-weight:bold;padding:0 .25rem}\
        .choices{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:.5rem}\
        .choices small{display:block;font-size:.95rem}\
        .choices label,.check{display:flex;align-items:center;gap:.6rem;padding:.5rem;border:1px solid #555;\
        min-height:2.75rem;font-weight:normal;cursor:pointer}\
        .field label.check{display:flex;font-weight:normal}\
        input[type=date],input[type=time]{max-width:16rem}\
        input[type=checkbox],input[type=radio]{width:1.6rem;height:1.6rem;flex:none;margin:0}\
        .row{display:flex;flex-wrap:wrap;gap:0 1rem}.row .field{flex:1 1 9rem}\
        .field-error{color:#a00;font-weight:bold;margin:.25rem 0 0}\
        .field-error::before{content:"⚠ "}\
        input[aria-invalid=true],select[aria-invalid=true]{border-color:#a00;border-width:3px}\
        .notice{border:2px solid #1a6b1a;color:#0d4d0d;padding:.5rem;font-weight:bold}\
        .result{border:3px solid #0050b3;padding:.5rem 1rem;margin:1rem 0}\
        .result.none{border-color:#a00}\
        .big{font-size:1.5rem;font-weight:bold}\
        ul.plain{list-style:none;padding:0}ul.plain li{margin:0 0 .75rem}\
        .inline{display:inline}\
        button{font-family:inherit}button.secondary{background:#fff;color:#003d8a}\
        dl.answer dt{font-weight:bold}dl.answer dd{margin:0 0 .5rem}\
        button.danger{background:#a00;border-color:#700}\
        a.button{display:inline-block;font-size:1.2rem;padding:.6rem 1.5rem;border:2px solid #003d8a;\
        background:#0050b3;color:#fff;text-decoration:none}\
        .actions{display:flex;flex-wrap:wrap;align-items:center;gap:.75rem 1.5rem;margin:1rem 0}\
        .slip{max-width:36rem;margin:1rem auto;border:3px solid #000;padding:1rem 1.5rem;font-size:1.5rem}\
        .slip h1{font-size:2rem}.slip dt{font-weight:bold;font-size:1.3rem}.slip dd{margin:0 0 .75rem;font-size:2rem}\
        @media print{nav.desk,.noprint{display:none}.slip{border:2px solid #000;margin:0 auto;font-size:18pt}\
        .slip dd{font-size:24pt}}
        """
}
