"""The handout's style sheet: readable on screen, and on paper A4 with one part per page
(briefing, role cards two to a page with a cutting line, questions)."""

CSS = """\
:root { --ink: #1d1d1f; --muted: #55555a; --rule: #c9c9cf; --band: #f3f4f6; --blue: #0072B2;
        --red: #D55E00; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fff; font-size: 15px; line-height: 1.45; }
main { max-width: 860px; margin: 0 auto; padding: 24px 28px 60px; }
.page { margin-bottom: 36px; }
header.top { border-bottom: 3px solid var(--ink); margin-bottom: 14px; padding-bottom: 8px; }
header.top h1 { margin: 0 0 4px; font-size: 27px; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); }
.lead { color: var(--muted); }
h2 { font-size: 20px; border-bottom: 1px solid var(--rule); padding-bottom: 3px;
     margin: 18px 0 8px; }
.briefing { background: var(--band); border-left: 4px solid var(--blue); padding: 8px 14px; }
.briefing p { margin: 6px 0; }
table.facts { border-collapse: collapse; margin: 8px 0; }
table.facts th { text-align: left; font-weight: normal; color: var(--muted);
                 padding: 2px 18px 2px 0; }
table.facts td { padding: 2px 0; }
ul.how li { margin: 3px 0; }
.role { border: 2px solid var(--ink); border-radius: 8px; padding: 12px 16px; margin: 0 0 18px;
        display: grid; grid-template-columns: 1fr 46mm; grid-template-rows: auto auto 1fr auto;
        gap: 6px 16px; align-items: start; min-height: 118mm; }
.role.red { border-color: var(--red); }
.role h2 { grid-column: 1 / -1; margin: 0; border: none; font-size: 22px; }
.role .seat { grid-column: 1 / -1; color: var(--muted); font-size: 13px; margin-top: -4px; }
.role .what p { margin: 4px 0 8px; }
.role .what ul { margin: 4px 0; padding-left: 20px; }
.role .qr { text-align: center; }
.role .qr svg { width: 44mm; height: 44mm; display: block; margin: 0 auto; }
.role .link { font-family: "DejaVu Sans Mono", monospace; font-size: 10.5px; word-break: break-all;
              color: var(--muted); margin-top: 4px; }
.role .nolink { border: 2px dashed var(--rule); border-radius: 6px; padding: 10px; height: 44mm;
                display: flex; align-items: center; justify-content: center; color: var(--muted);
                font-size: 12.5px; }
.role .notes { grid-column: 1 / -1; border-top: 1px solid var(--rule); padding-top: 6px;
               color: var(--muted); font-size: 12.5px; }
ol.questions li { margin: 6px 0 34px; font-size: 16px; }
footer { margin-top: 30px; font-size: 11.5px; color: var(--muted);
         border-top: 1px solid var(--rule); padding-top: 6px; }

@media print {
  @page { size: A4; margin: 14mm 14mm 14mm; }
  body { font-size: 10.5pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  .page { margin: 0; }
  .page + .page { break-before: page; page-break-before: always; }
  .role { break-inside: avoid; page-break-inside: avoid; height: 112mm; min-height: 0;
          margin: 0 0 5mm; }
  .role:nth-of-type(2n) { break-after: page; page-break-after: always; }
  .role:nth-of-type(2n+1) { border-bottom-style: solid; }
  .cut { border-top: 1px dashed var(--rule); margin: 0 0 6mm; }
  h2 { break-after: avoid; page-break-after: avoid; }
  ol.questions li { break-inside: avoid; }
  footer { display: none; }
}
"""
