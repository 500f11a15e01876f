/**
 * The replay report as one self-contained HTML file: a summary, then one sortable, filterable row per input
 * with the two outputs side by side and their word-level diff (computed here, so the page needs no library),
 * then the skipped inputs. Every piece of report text is production content and is escaped; a
 * Content-Security-Policy allows only the page's own style and script blocks (by hash) and no fetch of any
 * kind, so even a missed escape could neither run a script nor reach the network.
 */
import { createHash } from 'node:crypto';
import { diffWords } from 'diff';
import type { TargetInfo } from '../report/types.js';
import { REPLAY_CSS, REPLAY_JS } from './html-assets.js';
import type { Delta, JudgeResult, ReplayInput, ReplayReport, ReplaySide } from './types.js';

/** Past this many edits the diff is slow and unreadable anyway: show the two texts plain. */
const MAX_DIFF_EDITS = 4000;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in text and in quoted attribute values alike. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

const esc = (x: unknown): string => escapeHtml(x === undefined || x === null ? '' : String(x));

/** A comment ends at `-->` (and is malformed with `--`), so the notice loses those before going into one. */
const commentSafe = (s: string) =>
  s
    .replace(/-{2,}/g, '-')
    .replace(/[<>\r\n]+/g, ' ')
    .trim();

const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

const num = (x: number | undefined, digits = 0) => (x === undefined ? '' : x.toFixed(digits));
const ms = (x: number | undefined) => (x === undefined ? '-' : `${Math.round(x)} ms`);
const usd = (x: number | null | undefined) => (x === null ? 'unknown' : x === undefined ? '-' : `$${x.toFixed(6)}`);
const pct = (x: number | undefined, digits = 1) => (x === undefined ? '-' : `${(x * 100).toFixed(digits)} %`);
const signed = (x: number, text: string) => (x > 0 ? `+${text}` : text);
const changePct = (x: number | undefined) => (x === undefined ? '-' : signed(x, pct(x)));

/** Only web links: a recorded URL could be anything, `javascript:` included. */
function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function traceUrl(report: ReplayReport, traceId: string | undefined): string | undefined {
  if (report.jaegerUrl === undefined || traceId === undefined || traceId === '') return undefined;
  return safeUrl(`${report.jaegerUrl.replace(/\/+$/, '')}/trace/${encodeURIComponent(traceId)}`);
}

const link = (url: string | undefined, text: string) =>
  url === undefined ? '' : `<a href="${esc(url)}" target="_blank" rel="noopener noreferrer">${esc(text)}</a>`;

export function targetLabel(t: TargetInfo): string {
  const which = t.file !== undefined ? `draft ${t.file}` : `v${t.version}`;
  const over =
    t.overridden !== undefined
      ? ` overridden: ${[t.overridden.provider, t.overridden.model].filter((x) => x !== undefined).join('/')}`
      : '';
  return `${t.prompt} ${which} (${t.provider}/${t.model})${over}`;
}

const baselineLabel = (r: ReplayReport) =>
  r.baseline === 'recorded' ? 'production (recorded outputs, no call made)' : `${targetLabel(r.baseline)} re-run`;

function card(testid: string, label: string, value: string | number, cls = '') {
  return `<div class="card ${cls}"><span class="n" data-testid="${testid}">${esc(value)}</span><span class="l">${esc(label)}</span></div>`;
}

function dl(pairs: [string, string | undefined][]): string {
  const items = pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '');
  return `<dl>${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function deltaRow(name: string, testid: string, d: Delta, fmt: (x: number | undefined) => string) {
  return `<tr data-testid="delta-${testid}"><th scope="row">${esc(name)}</th><td class="num">${esc(fmt(d.candidate))}</td><td class="num">${esc(fmt(d.baseline))}</td><td class="num" data-testid="delta-${testid}-change">${esc(changePct(d.change))}</td></tr>`;
}

function summary(r: ReplayReport): string {
  const s = r.summary;
  const src = r.source;
  const window =
    src.since !== undefined || src.until !== undefined ? `${src.since ?? '…'} to ${src.until ?? 'now'}` : '';
  const skippedBy = Object.entries(s.skippedBy)
    .map(([reason, n]) => `${esc(reason)}: ${n}`)
    .join('; ');
  const cards = [
    card('summary-inputs', 'inputs', s.inputs),
    card('summary-improved', 'improved', s.improved, 'improved'),
    card('summary-regressed', 'regressed', s.regressed, 'regressed'),
    card('summary-unchanged', 'unchanged', s.unchanged),
    card('summary-errors', 'errors', s.errors, 'errors'),
    card('summary-changed', 'outputs changed', s.changed),
    card('summary-skipped', 'skipped', s.skipped),
  ];
  const j = s.judge;
  if (j?.winRate !== undefined) cards.push(card('summary-win-rate', 'judge win rate', pct(j.winRate)));
  const run = dl([
    ['prompt', `<code>${esc(r.prompt)}</code>`],
    ['candidate', esc(targetLabel(r.candidate))],
    ['baseline', esc(baselineLabel(r))],
    ['source', `${esc(src.kind)}: <code>${esc(src.where)}</code>`],
    ['files', src.files && src.files.length > 0 ? esc(src.files.join(', ')) : undefined],
    ['window', window === '' ? undefined : esc(window)],
    ['version filter', src.version === undefined ? undefined : esc(src.version)],
    [
      'found',
      `${src.found} completion(s)${src.limit !== undefined ? `, limit ${src.limit}` : ''}${src.sample !== undefined ? `, sample ${src.sample}` : ''}`,
    ],
    ['run', `<code>${esc(r.runId)}</code> ${esc(r.startedAt)} to ${esc(r.finishedAt)}`],
    [
      'settings',
      esc(
        `concurrency ${r.settings.concurrency}, ${r.settings.similarity} similarity${r.settings.judge ? `, judge ${r.settings.judge}` : ''}, cache ${r.settings.cache ? 'on' : 'off'}${r.settings.maxCostUsd !== undefined ? `, max cost $${r.settings.maxCostUsd}` : ''}`,
      ),
    ],
    [
      'estimate',
      esc(
        `${usd(r.estimate.usd)} for ${r.estimate.calls} call(s)${r.estimate.unpriced ? `, ${r.estimate.unpriced} unpriced` : ''}`,
      ),
    ],
    ['cost cap', r.stoppedAtCostCap ? '<span class="fail">stopped at the cost cap</span>' : undefined],
    [
      'cache',
      esc(
        `${r.cache.hits} hit(s), ${r.cache.misses} miss(es)${r.rateLimited ? `; ${r.rateLimited} rate limit(s)` : ''}`,
      ),
    ],
    ['skipped by', skippedBy === '' ? undefined : `<span data-testid="summary-skipped-by">${skippedBy}</span>`],
    ['mean similarity', s.meanSimilarity === undefined ? undefined : esc(s.meanSimilarity.toFixed(3))],
  ]);
  const judge =
    j === undefined
      ? ''
      : `<div class="panel"><h2>Judge</h2>${dl([
          ['model', esc(j.model)],
          ['verdicts', esc(`candidate ${j.candidate}, baseline ${j.baseline}, tie ${j.ties}, errors ${j.errors}`)],
          [
            'win rate',
            j.winRate === undefined
              ? undefined
              : `<span data-testid="judge-win-rate">${esc(pct(j.winRate))}</span>${j.interval ? ` <span data-testid="judge-interval">(95 % CI ${esc(pct(j.interval[0]))} to ${esc(pct(j.interval[1]))})</span>` : ''}`,
          ],
          [
            'consistency',
            j.consistency === undefined
              ? undefined
              : `<span data-testid="judge-consistency">${esc(pct(j.consistency))}</span> over ${j.swapped} swapped pair(s)`,
          ],
          ['first shown wins', j.firstPositionWins === undefined ? undefined : esc(pct(j.firstPositionWins))],
        ])}</div>`;
  const c = s.costPerCallUsd;
  const unpriced =
    c.unknown.candidate || c.unknown.baseline
      ? `<p class="small" data-testid="delta-cost-unpriced">cost per call leaves out unpriced calls: ${c.unknown.candidate} candidate, ${c.unknown.baseline} baseline</p>`
      : '';
  const deltas = `<div class="panel"><h2>Candidate against baseline</h2><table class="deltas"><thead><tr><th></th><th>candidate</th><th>baseline</th><th>change</th></tr></thead><tbody>${[
    deltaRow('latency p50', 'latency-p50', s.latencyP50Ms, ms),
    deltaRow('latency p95', 'latency-p95', s.latencyP95Ms, ms),
    deltaRow('TTFT p50', 'ttft-p50', s.ttftP50Ms, ms),
    deltaRow('TTFT p95', 'ttft-p95', s.ttftP95Ms, ms),
    deltaRow('cost per call', 'cost', c, usd),
    deltaRow('error rate', 'error-rate', s.errorRate, (x) => pct(x)),
  ].join('')}</tbody></table>${unpriced}</div>`;
  const v = r.verdict;
  const checks =
    v.checks.length === 0
      ? ''
      : `<div class="panel" data-testid="verdict"><h2>Gate: <span class="${v.pass ? 'pass' : 'fail'}">${v.pass ? 'PASS' : 'FAIL'}</span></h2><ul>${v.checks
          .map(
            (ch) =>
              `<li><span class="${ch.pass ? 'pass' : 'fail'}">${ch.pass ? 'ok' : 'FAIL'}</span> ${esc(ch.name)}: ${esc(ch.detail)}</li>`,
          )
          .join(
            '',
          )}</ul><p class="small">${v.passed} passed, ${v.failed} failed${v.infraErrors ? `, ${v.infraErrors} infrastructure error(s): no verdict` : ''}</p></div>`;
  return `<section class="summary"><div class="cards">${cards.join('')}</div><div class="grid"><div class="panel"><h2>Run</h2>${run}</div>${judge}${deltas}${checks}</div></section>`;
}

/** Both sides' text with the words only the baseline has in `<del>` and only the candidate has in `<ins>`. */
export function diffSides(baseline: string, candidate: string): { baseline: string; candidate: string } {
  if (baseline === candidate) return { baseline: esc(baseline), candidate: esc(candidate) };
  const parts = diffWords(baseline, candidate, { maxEditLength: MAX_DIFF_EDITS });
  if (parts === undefined) return { baseline: esc(baseline), candidate: esc(candidate) };
  let b = '';
  let c = '';
  for (const p of parts) {
    if (p.added) c += `<ins>${esc(p.value)}</ins>`;
    else if (p.removed) b += `<del>${esc(p.value)}</del>`;
    else {
      b += esc(p.value);
      c += esc(p.value);
    }
  }
  return { baseline: b, candidate: c };
}

function sideCell(side: ReplaySide, body: string | undefined, which: string): string {
  const parts: string[] = [];
  if (side.error !== undefined) {
    parts.push(`<div class="err">${side.infra ? 'infrastructure error' : 'error'}: ${esc(side.error)}</div>`);
  }
  if (body !== undefined) parts.push(`<div class="out" data-testid="${which}-output">${body}</div>`);
  else if (side.error === undefined) parts.push('<div class="small">no output</div>');
  const meta = [
    side.origin,
    side.model,
    side.finishReason ? `finish ${side.finishReason}` : undefined,
    side.latencyMs !== undefined ? ms(side.latencyMs) : undefined,
    side.ttftMs !== undefined ? `TTFT ${ms(side.ttftMs)}` : undefined,
    side.costUsd !== undefined ? usd(side.costUsd) : undefined,
    side.cached ? 'cached' : undefined,
  ].filter((x) => x !== undefined);
  parts.push(`<div class="small">${esc(meta.join(' · '))}</div>`);
  if (side.assertions.length > 0) {
    const failed = side.assertions.filter((a) => !a.pass);
    parts.push(
      `<div class="small ${side.status === 'pass' ? 'pass' : 'fail'}">${side.assertions.length - failed.length}/${side.assertions.length} assertion(s) passed</div>`,
    );
    if (failed.length > 0) {
      parts.push(
        `<ul class="asserts">${failed.map((a) => `<li>${esc(a.metric ?? a.type)}: ${esc(a.error ?? a.reason)}</li>`).join('')}</ul>`,
      );
    }
  }
  return `<td>${parts.join('')}</td>`;
}

function judgeCell(j: JudgeResult | undefined): string {
  if (j === undefined) return '<td class="small">-</td>';
  const swapped = j.swapped ? `<div class="small">swapped: ${esc(j.swapped.verdict)}</div>` : '';
  const err = j.error !== undefined ? `<div class="err">${esc(j.error)}</div>` : '';
  return `<td><strong>${esc(j.verdict)}</strong>${swapped}${err}<div class="small">${esc(j.reason)}</div></td>`;
}

function inputRow(r: ReplayReport, input: ReplayInput, index: number): string {
  const b = input.baseline;
  const c = input.candidate;
  const latency = b.latencyMs !== undefined && c.latencyMs !== undefined ? c.latencyMs - b.latencyMs : undefined;
  const cost = typeof b.costUsd === 'number' && typeof c.costUsd === 'number' ? c.costUsd - b.costUsd : undefined;
  const texts =
    b.output !== undefined && c.output !== undefined
      ? diffSides(b.output, c.output)
      : {
          baseline: b.output === undefined ? undefined : esc(b.output),
          candidate: c.output === undefined ? undefined : esc(c.output),
        };
  const p = input.production;
  const prodUrl = safeUrl(p.url) ?? traceUrl(r, p.traceId);
  const candUrl = safeUrl(input.candidateUrl) ?? traceUrl(r, c.traceId);
  const baseUrl = b.origin === 'replayed' ? traceUrl(r, b.traceId) : undefined;
  const links = [link(prodUrl, 'production'), link(baseUrl, 'baseline replay'), link(candUrl, 'candidate replay')]
    .filter((x) => x !== '')
    .join('');
  const judge = input.judge?.error === undefined ? (input.judge?.verdict ?? '') : '';
  const attrs = [
    `data-index="${index}"`,
    `data-id="${esc(input.id)}"`,
    `data-outcome="${esc(input.outcome)}"`,
    `data-judge="${esc(judge)}"`,
    `data-similarity="${esc(num(input.similarity, 4))}"`,
    `data-latency-delta="${esc(num(latency, 1))}"`,
    `data-cost-delta="${esc(cost === undefined ? '' : String(cost))}"`,
    `data-changed="${input.changed}"`,
  ].join(' ');
  const idMeta = [
    input.mode,
    input.caseId !== undefined ? `case ${input.caseId}` : undefined,
    p.startedAt,
    p.service,
    p.promptVersion !== undefined ? `production v${p.promptVersion}` : undefined,
  ].filter((x) => x !== undefined);
  return `<tr class="${esc(input.outcome)}" data-testid="input-row" ${attrs}><td><code>${esc(input.id)}</code><div class="small">${esc(idMeta.join(' · '))}</div></td><td><span class="badge ${esc(input.outcome)}">${esc(input.outcome)}</span></td><td>${esc(input.why)}</td>${judgeCell(input.judge)}<td class="num">${esc(input.similarity === undefined ? '-' : input.similarity.toFixed(2))}</td><td class="num">${esc(latency === undefined ? '-' : signed(latency, `${Math.round(latency)} ms`))}</td><td class="num">${esc(cost === undefined ? '-' : `${cost > 0 ? '+' : cost < 0 ? '-' : ''}$${Math.abs(cost).toFixed(6)}`)}</td>${sideCell(b, texts.baseline, 'baseline')}${sideCell(c, texts.candidate, 'candidate')}<td class="links">${links === '' ? '<span class="small">no link</span>' : links}</td></tr>`;
}

const options = (values: string[]) => values.map((v) => `<option value="${v}">${v}</option>`).join('');

function inputsTable(r: ReplayReport): string {
  const sortable = (label: string, key: string, type: string, first = '') =>
    `<th data-sort="${key}" data-sort-type="${type}"${first ? ` data-sort-first="${first}"` : ''} data-testid="sort-${key}">${label}</th>`;
  const head = [
    '<th>input</th>',
    sortable('outcome', 'outcome', 'rank'),
    '<th>why</th>',
    sortable('judge', 'judge', 'rank'),
    sortable('similarity', 'similarity', 'number'),
    sortable('latency Δ', 'latencyDelta', 'number', 'desc'),
    sortable('cost Δ', 'costDelta', 'number', 'desc'),
    `<th>baseline: ${esc(r.baseline === 'recorded' ? 'production' : `v${r.baseline.version}`)}</th>`,
    `<th>candidate: ${esc(r.candidate.file !== undefined ? 'draft' : `v${r.candidate.version}`)}</th>`,
    '<th>traces</th>',
  ].join('');
  const filters = `<div class="filters"><label>outcome <select id="filter-outcome" data-testid="filter-outcome">${options(['all', 'regressed', 'improved', 'unchanged', 'error'])}</select></label><label>judge <select id="filter-judge" data-testid="filter-judge">${options(['all', 'baseline', 'tie', 'candidate', 'none'])}</select></label><span class="small"><span id="rows-shown" data-testid="rows-shown">${r.inputs.length}</span> of ${r.inputs.length} input(s) shown; click a column header to sort</span></div>`;
  return `<section><h2>Inputs</h2>${filters}<table id="inputs"><thead><tr>${head}</tr></thead><tbody>${r.inputs
    .map((input, i) => inputRow(r, input, i))
    .join('')}</tbody></table></section>`;
}

function skippedTable(r: ReplayReport): string {
  if (r.skipped.length === 0) return '<section><h2>Skipped</h2><p class="small">No input was skipped.</p></section>';
  const rows = r.skipped
    .map(
      (s) =>
        `<tr data-testid="skipped-row"><td><code>${esc(s.traceId)}</code> ${link(traceUrl(r, s.traceId), 'trace')}</td><td><code>${esc(s.spanId)}</code></td><td>${esc(s.reason)}</td></tr>`,
    )
    .join('');
  return `<section><h2>Skipped (${r.skipped.length})</h2><table id="skipped"><thead><tr><th>trace</th><th>span</th><th>reason</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

export function formatReplayHtml(report: ReplayReport): string {
  const csp = [
    "default-src 'none'",
    `style-src ${hash(REPLAY_CSS)}`,
    `script-src ${hash(REPLAY_JS)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `promptscope replay: ${report.prompt} ${report.candidate.file !== undefined ? 'draft' : `v${report.candidate.version}`}`;
  return [
    `<!-- promptscope replay report: holds production content (inputs and outputs of real traffic). ${commentSafe(report.notice)} -->`,
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${REPLAY_CSS}</style>`,
    '</head>',
    '<body>',
    `<div class="banner" role="alert" data-testid="notice">Production content: ${esc(report.notice)}</div>`,
    '<main>',
    `<h1>Replay of <code>${esc(report.prompt)}</code>: ${esc(targetLabel(report.candidate))}</h1>`,
    `<p class="sub">against ${esc(baselineLabel(report))}</p>`,
    summary(report),
    inputsTable(report),
    skippedTable(report),
    '</main>',
    `<script>${REPLAY_JS}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
