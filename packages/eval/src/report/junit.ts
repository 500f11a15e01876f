/**
 * JUnit XML: one <testsuite> per prompt version (the candidate, and the baseline when there is one), one
 * <testcase> per bank case. A failed assertion is a <failure>; a run that could not be evaluated (the
 * provider, the judge, rendering) is an <error>, so CI tells a regression from a broken run.
 */
import type { CaseOutcome, Report, TargetInfo } from './types.js';

// XML 1.0 allows neither most control characters nor lone surrogates.
const INVALID =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function esc(s: string): string {
  return s
    .replace(INVALID, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const suiteName = (t: TargetInfo) =>
  `${t.prompt} ${t.file !== undefined ? `draft ${t.ref}` : `v${t.version}`} (${t.provider}/${t.model})`;

function testcase(id: string, classname: string, o: CaseOutcome): string {
  const seconds = o.records.reduce((s, r) => s + (r.latencyMs ?? 0), 0) / 1000;
  const open = `    <testcase name="${esc(id)}" classname="${esc(classname)}" time="${seconds.toFixed(3)}"`;
  if (o.status === 'pass') return `${open}/>`;
  const body: string[] = [];
  const errored = o.records.filter((r) => r.error !== undefined || r.assertions.some((a) => a.error !== undefined));
  if (o.status === 'error') {
    const first = errored[0];
    const msg = first?.error ?? first?.assertions.find((a) => a.error)?.error ?? 'error';
    const detail = errored
      .map(
        (r) =>
          `repeat ${r.repeat}: ${
            r.error ??
            r.assertions
              .filter((a) => a.error)
              .map((a) => `${a.type}: ${a.error}`)
              .join('; ')
          }`,
      )
      .join('\n');
    body.push(`      <error message="${esc(msg.slice(0, 500))}" type="error">${esc(detail)}</error>`);
  } else {
    const failing = o.records.filter((r) => r.status !== 'pass');
    const first = failing[0]?.assertions.find((a) => !a.pass);
    const msg = first ? `${first.type}: ${first.reason}` : `passed ${o.passes} of ${o.runs} runs`;
    const detail = failing
      .map(
        (r) =>
          `repeat ${r.repeat}: ${r.assertions
            .filter((a) => !a.pass)
            .map((a) => `${a.type}: ${a.reason}`)
            .join('; ')}\noutput: ${r.output ?? ''}`,
      )
      .join('\n');
    body.push(
      `      <failure message="${esc(msg.slice(0, 500))}" type="assertion">${esc(`passed ${o.passes}/${o.runs} runs\n${detail}`)}</failure>`,
    );
  }
  const trace = o.records[0];
  if (trace?.traceId !== undefined)
    body.push(`      <system-out>${esc(`trace ${trace.traceId} span ${trace.spanId}`)}</system-out>`);
  return `${open}>\n${body.join('\n')}\n    </testcase>`;
}

function suite(r: Report, t: TargetInfo, outcomes: [string, CaseOutcome][]): string {
  const failures = outcomes.filter(([, o]) => o.status === 'fail').length;
  const errors = outcomes.filter(([, o]) => o.status === 'error').length;
  const time = outcomes.reduce((s, [, o]) => s + o.records.reduce((x, rec) => x + (rec.latencyMs ?? 0), 0), 0) / 1000;
  const props = [
    ['prompt.sha256', t.sha256],
    ['run.id', r.runId],
    ['contains.production.content', String(r.containsProductionContent)],
  ];
  return [
    `  <testsuite name="${esc(suiteName(t))}" tests="${outcomes.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time.toFixed(3)}" timestamp="${esc(r.startedAt)}">`,
    '    <properties>',
    ...props.map(([k, v]) => `      <property name="${esc(k as string)}" value="${esc(v as string)}"/>`),
    '    </properties>',
    ...outcomes.map(([id, o]) => testcase(id, suiteName(t), o)),
    '  </testsuite>',
  ].join('\n');
}

export function formatJunit(r: Report): string {
  const suites = [
    suite(
      r,
      r.candidate,
      r.cases.map((c) => [c.id, c.candidate]),
    ),
  ];
  if (r.baseline)
    suites.push(
      suite(
        r,
        r.baseline,
        r.cases.filter((c) => c.baseline).map((c) => [c.id, c.baseline as CaseOutcome]),
      ),
    );
  const all = r.cases.length * suites.length;
  const failures =
    r.cases.filter((c) => c.candidate.status === 'fail').length +
    r.cases.filter((c) => c.baseline?.status === 'fail').length;
  const errors =
    r.cases.filter((c) => c.candidate.status === 'error').length +
    r.cases.filter((c) => c.baseline?.status === 'error').length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${esc(`promptscope test ${r.prompt}`)}" tests="${all}" failures="${failures}" errors="${errors}">\n${suites.join('\n')}\n</testsuites>\n`;
}
