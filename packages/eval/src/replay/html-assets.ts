/**
 * The inline CSS and script of the replay HTML report. They are constants (no report text ever goes into
 * them), so the page's Content-Security-Policy can allow exactly these two blocks by hash and nothing else.
 */

export const REPLAY_CSS = `
:root { color-scheme: light; --fg: #1d232a; --muted: #5b6570; --line: #d8dde3; --bg: #f6f7f9;
  --bad: #b42318; --bad-bg: #fde8e6; --good: #126b3a; --good-bg: #e3f5e9; --warn-bg: #fff4d6; --warn: #7a4b00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { padding: 0 20px 40px; }
h1 { font-size: 20px; margin: 16px 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
code, .out { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.banner { background: var(--warn-bg); color: var(--warn); border-bottom: 2px solid #e0b24a; padding: 10px 20px; font-weight: 600; }
.sub { color: var(--muted); margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 110px; }
.card .n { font-size: 22px; font-weight: 700; display: block; }
.card .l { color: var(--muted); font-size: 12px; }
.card.regressed .n, .card.errors .n { color: var(--bad); }
.card.improved .n { color: var(--good); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 12px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 0; overflow-x: auto; }
.panel h2 { margin-top: 2px; }
table.deltas td, table.deltas th { padding: 3px 6px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 12px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; white-space: nowrap; }
th[data-sort] { cursor: pointer; user-select: none; }
th[data-sort]::after { content: " \\2195"; color: var(--muted); }
th[aria-sort="ascending"]::after { content: " \\2191"; color: var(--fg); }
th[aria-sort="descending"]::after { content: " \\2193"; color: var(--fg); }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.pass { color: var(--good); font-weight: 600; }
.fail { color: var(--bad); font-weight: 600; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.badge.regressed, .badge.error { background: var(--bad-bg); color: var(--bad); }
.badge.improved { background: var(--good-bg); color: var(--good); }
.badge.unchanged { background: #eceff2; color: var(--muted); }
tr.regressed td:first-child { box-shadow: inset 3px 0 var(--bad); }
tr.improved td:first-child { box-shadow: inset 3px 0 var(--good); }
.out { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 320px; overflow: auto; min-width: 220px; max-width: 46vw; }
ins { background: #c8f0d4; text-decoration: none; }
del { background: #f9cfcb; }
.small { font-size: 12px; color: var(--muted); }
.err { color: var(--bad); }
ul.asserts { margin: 4px 0 0; padding-left: 16px; font-size: 12px; }
.filters { display: flex; gap: 14px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
.links a { display: block; white-space: nowrap; }
`;

/**
 * Sorting and filtering read only the rows' data attributes, so the rendered text never has to be parsed.
 * Rows without a value for the sorted column stay at the bottom in either direction.
 */
export const REPLAY_JS = `
(function () {
  'use strict';
  var table = document.getElementById('inputs');
  if (!table) return;
  var body = table.tBodies[0];
  var outcomeSel = document.getElementById('filter-outcome');
  var judgeSel = document.getElementById('filter-judge');
  var shown = document.getElementById('rows-shown');
  var RANK = {
    outcome: { regressed: 0, error: 1, improved: 2, unchanged: 3 },
    judge: { baseline: 0, tie: 1, candidate: 2 }
  };
  var rows = Array.prototype.slice.call(body.rows);

  function value(row, key, type) {
    var raw = row.dataset[key];
    if (raw === undefined || raw === '') return null;
    if (type === 'rank') return RANK[key] && RANK[key][raw] !== undefined ? RANK[key][raw] : null;
    if (type === 'number') { var n = Number(raw); return isFinite(n) ? n : null; }
    return raw;
  }

  function sortBy(th) {
    var key = th.dataset.sort;
    var type = th.dataset.sortType || 'text';
    var current = th.getAttribute('aria-sort');
    var dir = current === 'ascending' ? 'descending' : current === 'descending' ? 'ascending'
      : (th.dataset.sortFirst === 'desc' ? 'descending' : 'ascending');
    var heads = table.querySelectorAll('th[data-sort]');
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute('aria-sort');
    th.setAttribute('aria-sort', dir);
    var sign = dir === 'ascending' ? 1 : -1;
    rows.sort(function (a, b) {
      var x = value(a, key, type), y = value(b, key, type);
      if (x === null || y === null) {
        if (x !== y) return x === null ? 1 : -1;
      } else if (x !== y) {
        return (type === 'text' ? String(x).localeCompare(String(y)) : x - y) * sign;
      }
      return Number(a.dataset.index) - Number(b.dataset.index);
    });
    for (var j = 0; j < rows.length; j++) body.appendChild(rows[j]);
  }

  function filter() {
    var outcome = outcomeSel ? outcomeSel.value : 'all';
    var judge = judgeSel ? judgeSel.value : 'all';
    var visible = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (outcome === 'all' || r.dataset.outcome === outcome) &&
        (judge === 'all' || (r.dataset.judge || 'none') === judge);
      r.hidden = !ok;
      if (ok) visible++;
    }
    if (shown) shown.textContent = String(visible);
  }

  var heads = table.querySelectorAll('th[data-sort]');
  for (var i = 0; i < heads.length; i++) {
    (function (th) {
      th.tabIndex = 0;
      th.addEventListener('click', function () { sortBy(th); });
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(th); }
      });
    })(heads[i]);
  }
  if (outcomeSel) outcomeSel.addEventListener('change', filter);
  if (judgeSel) judgeSel.addEventListener('change', filter);
  filter();
})();
`;
