"""The report's style sheet: screen layout and print rules (A4, no split figures or rows).

Kept as a Python string so it ships inside the package without package-data rules.
"""

CSS = """\
:root { --ink: #1d1d1f; --muted: #5b5b60; --rule: #d9d9de; --band: #f5f6f8;
        --mark: #fff1c2; --mark-edge: #E69F00; --purple: #9b4f86; --harm: #D55E00; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fff; font-size: 15px; line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 60px; }
header.top { border-bottom: 3px solid var(--ink); margin-bottom: 18px; padding-bottom: 10px; }
header.top h1 { margin: 0 0 4px; font-size: 28px; }
header.top .kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px;
                     color: var(--muted); }
header.top .sub { color: var(--muted); }
nav.toc { font-size: 13px; margin: 8px 0 18px; }
nav.toc a { color: #0072B2; margin-right: 14px; text-decoration: none; }
section { margin: 26px 0; }
h2 { font-size: 21px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; margin: 0 0 10px; }
h3 { font-size: 16px; margin: 16px 0 6px; }
p.lead { color: var(--muted); margin: 4px 0 10px; }
.briefing { background: var(--band); border-left: 4px solid #0072B2;
            padding: 10px 14px; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 10px; }
th, td { text-align: left; padding: 4px 7px; border-bottom: 1px solid var(--rule);
         vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts { width: auto; }
table.facts th { background: none; color: var(--muted); font-weight: normal; padding-right: 18px; }
table.metrics { table-layout: fixed; }
table.metrics td.value { font-weight: 600; white-space: nowrap; text-align: right;
                         font-variant-numeric: tabular-nums; width: 8em; }
table.metrics td.name { width: 19em; }
.briefing p { margin: 4px 0; }
.scroll { overflow-x: auto; }
table.metrics td.meaning { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px;
         margin: 8px 0 14px; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 10px; }
.card .v { font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .l { font-size: 12.5px; color: var(--muted); }
figure { margin: 10px 0 16px; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12.5px; color: var(--muted); margin-top: 4px; }
table.decisions { font-size: 12px; }
table.decisions td { white-space: normal; }
tr.bookmarked td { background: var(--mark); }
tr.bookmarked td:first-child { border-left: 4px solid var(--mark-edge); }
.star { color: var(--mark-edge); font-weight: 700; }
.harm { color: var(--harm); font-weight: 700; }
.inadvertent { color: var(--purple); font-weight: 700; }
.wrong { color: var(--harm); }
.legend { font-size: 12.5px; color: var(--muted); }
.cf-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; }
.cf { border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px; }
.cf p { margin: 0 0 6px; font-size: 13.5px; }
.note { background: var(--band); padding: 8px 12px; border-radius: 4px; font-size: 13px; }
.muted { color: var(--muted); }
footer { margin-top: 40px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--rule);
         padding-top: 8px; }

@media print {
  @page { size: A4; margin: 14mm 12mm 16mm; }
  body { font-size: 10pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  section.major { break-before: page; page-break-before: always; }
  figure, .card, .cf, table.facts, .briefing { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  table { font-size: 8pt; }
  .scroll { overflow: visible; }
  table.decisions { font-size: 7pt; }
  table.decisions th, table.decisions td { padding: 2px 3px; white-space: normal; }
  table.decisions td.num { white-space: nowrap; }
  .cf-grid { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  a { color: inherit; text-decoration: none; }
}
"""
