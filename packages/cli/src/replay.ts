/**
 * `promptscope replay <prompt> --candidate <ref>`: captured production completions (Jaeger, or the
 * collector's replay file) run through a candidate version or model, each beside what production answered
 * (or a re-run baseline), scored and summarised; reports for the terminal, JSON, Markdown and HTML, and
 * optionally a gate. The engine is @promptscope/eval (planReplay, runReplay); this file reads flags.
 */
import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { metrics } from '@opentelemetry/api';
import type { RedactHook } from '@promptscope/core';
import {
  type Bank,
  BankError,
  bankPath,
  type CapturedCompletion,
  CONFIG_FILE,
  completionsOf,
  DEFAULT_BANK_DIR,
  DEFAULT_REPLAY_LIMIT,
  DEFAULT_SWAP_SHARE,
  defaultCacheDir,
  formatReplayHtml,
  formatReplayMarkdown,
  formatReplayTerminal,
  fromJaegerSpan,
  loadBank,
  loadConfig,
  parseFraction,
  planReplay,
  type ReplayPlan,
  type ReplayPolicy,
  readReplayFile,
  recordReplayMetrics,
  resolveTarget,
  runReplay,
  targetName,
} from '@promptscope/eval';
import { PROVIDERS, type PromptProvider, Registry } from '@promptscope/prompts';
import { EXIT, type Io, parseFlags, UsageError } from './io.js';
import { baseUrl, DEFAULT_JAEGER, DEFAULT_SEARCH_LIMIT, JAEGER_ENV, parseWhen, searchPromptTraces } from './jaeger.js';
import { startTelemetry } from './telemetry.js';

export const REPLAY_HELP = `Usage: promptscope replay <prompt> --candidate <version|label|file.yaml> [options]

Replays the prompt's captured production completions through the candidate: each input's recorded
variables are rendered with the candidate (or, when only --model/--provider changes and the candidate is
the version production ran, the recorded messages and parameters are re-sent), and the answer is compared
with the baseline: what production returned (free), or --baseline <ref> re-run on the same inputs. Inputs
without captured content are skipped and counted with the reason. Calls go through the real provider SDKs
(OPENAI_BASE_URL/OPENAI_API_KEY, ANTHROPIC_BASE_URL/ANTHROPIC_API_KEY), traced as promptscope.run.kind=replay.

Where the inputs come from:
  --source jaeger | <file>   Jaeger's query API (default), or the collector's replay file (OTLP JSON lines,
                             rotated backups beside it are read too)
  --jaeger <url>             Jaeger query base URL (default $PROMPTSCOPE_JAEGER_URL, else ${DEFAULT_JAEGER});
                             also where the report's trace links point
  --service <name>           Jaeger services to search (default: all; repeatable or comma-separated)
  --since <when>, --until <when>   the window (default 24h back to now; 30m, 7d, or a date/time)
  --version <n>              only completions of this production version
  --limit <n>                the newest n (default ${DEFAULT_REPLAY_LIMIT}); --sample <n>: n spread over the window instead

What is compared:
  --candidate <ref>          a version (3, v3), a label (staging) or a draft file (drafts/v4.yaml)
  --model <m>, --provider <p>  run the candidate on another model (openai | anthropic)
  --baseline recorded|<ref>  recorded production outputs (default), or a version/label re-run now (fair, 2x the cost)
  --similarity lexical|embeddings  how alike the outputs are (default lexical: shared words in order)
  --judge <model>, --judge-provider <p>  a pairwise judge: which answer is better and why (order randomised)
  --judge-swap <share>       share of judged inputs asked again in the swapped order (default ${DEFAULT_SWAP_SHARE * 100}%)
  The bank's defaults assertions (prompt-tests/<prompt>.yaml) apply to every input; an input whose
  variables match a case gets that case's assertions.

Gate and reports:
  --fail-on <words>          comma list of the test gate's policy words: min-pass-rate=95%, max-new-failures=0,
                             max-cost-increase=10%, max-latency-increase=20%, max-regressions=0 (exit 1 if any fails)
  --json <file>, --markdown <file>, --html <file>   write the report there (they hold production content)

Safety:
  --dry-run                  print what would be sent and the estimated cost; send nothing
  --max-cost <usd>           run only the inputs whose estimated cost keeps the total under this, and stop
                             sending once the measured spend reaches it
  -j, --concurrency <n>      calls at once (default 4); 429s pause every call for the retry-after
  --retries <n>, --no-cache, --cache-dir <dir>, --run-id <id>, --embedding-model <m>
  --redact <module.mjs>      a redaction hook (default export (kind, value) => value) applied to everything
                             read from the traces before it is sent, scored or written
  --bank <dir>, --dir <root>, --config <file>   the bank folder, the registry, the config file

Replay never records feedback and never moves a label. Exit codes: 0 done (or the gate passed), 1 the gate
failed, 2 a usage, source or infrastructure error. The last line is \`N passed, N failed\`.
`;

function parse(args: string[]) {
  return parseFlags(args, {
    candidate: { type: 'string' },
    baseline: { type: 'string' },
    model: { type: 'string' },
    provider: { type: 'string' },
    source: { type: 'string' },
    jaeger: { type: 'string' },
    service: { type: 'string', multiple: true },
    since: { type: 'string' },
    until: { type: 'string' },
    version: { type: 'string' },
    limit: { type: 'string' },
    sample: { type: 'string' },
    similarity: { type: 'string' },
    judge: { type: 'string' },
    'judge-provider': { type: 'string' },
    'judge-swap': { type: 'string' },
    'fail-on': { type: 'string' },
    json: { type: 'string' },
    markdown: { type: 'string' },
    html: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'max-cost': { type: 'string' },
    concurrency: { type: 'string', short: 'j' },
    retries: { type: 'string' },
    'no-cache': { type: 'boolean' },
    'cache-dir': { type: 'string' },
    'run-id': { type: 'string' },
    'embedding-model': { type: 'string' },
    redact: { type: 'string' },
    bank: { type: 'string' },
    dir: { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
}

type Values = ReturnType<typeof parse>['values'];

const abs = (io: Io, p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));

function count(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number >= 0, got ${raw}`);
  return n;
}

const POLICY_WORDS = [
  'min-pass-rate',
  'max-new-failures',
  'max-cost-increase',
  'max-latency-increase',
  'max-regressions',
];

/** `max-regressions=0,max-cost-increase=10%` → the policy `promptscope test` would apply, plus the regression cap. */
export function parseFailOn(raw: string): ReplayPolicy {
  const policy: ReplayPolicy = { minPassRate: 0, maxNewFailures: Number.MAX_SAFE_INTEGER };
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z-]+)\s*[=:]\s*(.+)$/.exec(part);
    const word = m?.[1];
    const value = m?.[2] as string;
    const fail = (why: string) =>
      new UsageError(
        `--fail-on ${JSON.stringify(part)}: ${why} (words: ${POLICY_WORDS.join(', ')}; e.g. max-regressions=0,max-cost-increase=10%)`,
      );
    if (word === undefined || !POLICY_WORDS.includes(word)) throw fail('not one of the policy words');
    try {
      if (word === 'min-pass-rate') policy.minPassRate = Math.min(1, parseFraction(value, word));
      else if (word === 'max-cost-increase') policy.maxCostIncrease = parseFraction(value, word);
      else if (word === 'max-latency-increase') policy.maxLatencyIncrease = parseFraction(value, word);
      else {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw new Error('expects a whole number >= 0');
        if (word === 'max-new-failures') policy.maxNewFailures = n;
        else policy.maxRegressions = n;
      }
    } catch (err) {
      throw fail((err as Error).message);
    }
  }
  return policy;
}

async function loadRedact(io: Io, file: string | undefined): Promise<RedactHook | undefined> {
  if (file === undefined) return undefined;
  const path = abs(io, file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`--redact ${file}: cannot load the module: ${(err as Error).message}`);
  }
  const hook = mod.default ?? mod.redact;
  if (typeof hook !== 'function')
    throw new UsageError(`--redact ${file}: export a function (kind, value) => value as default (or as \`redact\`)`);
  return hook as RedactHook;
}

async function readCompletions(
  prompt: string,
  v: Values,
  io: Io,
  window: { startMs: number; endMs: number },
): Promise<{ completions: CapturedCompletion[]; kind: 'jaeger' | 'file'; where: string; files?: string[] }> {
  const source = v.source ?? 'jaeger';
  if (source === 'jaeger') {
    const jaeger = baseUrl(v.jaeger ?? (io.env[JAEGER_ENV] || DEFAULT_JAEGER));
    const services = v.service
      ?.flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    const { traces } = await searchPromptTraces({
      prompt,
      jaeger,
      startUs: window.startMs * 1000,
      endUs: window.endMs * 1000,
      searchLimit: DEFAULT_SEARCH_LIMIT * 5,
      ...(services !== undefined && services.length > 0 ? { services } : {}),
    });
    const spans = [...traces.values()].flatMap((t) => [...t.values()]).map(fromJaegerSpan);
    return { completions: completionsOf(spans, prompt), kind: 'jaeger', where: jaeger };
  }
  const file = abs(io, source);
  const read = await readReplayFile(file);
  if (read.skippedLines > 0)
    io.stderr(
      `replay: ${read.skippedLines} lines of ${file} were not OTLP/JSON export requests (cut short?): skipped\n`,
    );
  return { completions: completionsOf(read.spans, prompt), kind: 'file', where: file, files: read.files };
}

function printPlan(plan: ReplayPlan, io: Io): void {
  for (const p of plan.planned) {
    const est = p.calls.map(
      (c) =>
        `${c.provider}/${c.model} ~${c.inputTokens}+${c.outputTokens} tokens ${c.usd === null ? 'price unknown' : `$${c.usd.toFixed(6)}`}`,
    );
    io.stdout(
      `would send ${p.input.id} (${p.input.mode}, production trace ${p.input.span.traceId}): ${est.join('; ')}\n`,
    );
    if (p.request !== undefined)
      for (const m of p.request.messages) io.stdout(`  [${m.role}] ${m.content.replace(/\s+/g, ' ').slice(0, 200)}\n`);
    else io.stdout(`  cannot render: ${p.renderError}\n`);
  }
  for (const s of plan.skipped) io.stdout(`skip ${s.traceId}/${s.spanId}: ${s.reason}\n`);
  const e = plan.estimate;
  io.stdout(
    `dry run: ${plan.planned.length} inputs, ${e.calls} calls, estimated ${e.usd === null ? `cost unknown (${e.unpriced} calls without a known price)` : `$${e.usd.toFixed(6)}`}; ${plan.skipped.length} skipped; nothing was sent\n`,
  );
}

export async function replayCommand(args: string[], io: Io, now: () => number = Date.now): Promise<number> {
  const { values, positionals } = parse(args);
  if (values.help) {
    io.stdout(REPLAY_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1)
    throw new UsageError(
      'replay expects one <prompt>, e.g. promptscope replay support-reply --candidate 3 --since 24h',
    );
  if (values.candidate === undefined) throw new UsageError('replay needs --candidate <version|label|file.yaml>');
  const prompt = positionals[0] as string;
  if (values.limit !== undefined && values.sample !== undefined)
    throw new UsageError('--limit and --sample both choose how many inputs: give one');
  const limit = count(values.limit, '--limit');
  const sample = count(values.sample, '--sample');
  const similarity = values.similarity ?? 'lexical';
  if (similarity !== 'lexical' && similarity !== 'embeddings')
    throw new UsageError(`--similarity ${similarity}: lexical or embeddings`);
  const maxCost = values['max-cost'] !== undefined ? Number(values['max-cost']) : undefined;
  if (maxCost !== undefined && !(Number.isFinite(maxCost) && maxCost >= 0))
    throw new UsageError(`--max-cost must be an amount in USD, e.g. 2.50; got ${values['max-cost']}`);
  const swap = values['judge-swap'] !== undefined ? parseFraction(values['judge-swap'], '--judge-swap') : undefined;
  if (swap !== undefined && swap > 1) throw new UsageError('--judge-swap is a share from 0 to 100%');
  const judgeProvider = values['judge-provider'];
  if (judgeProvider !== undefined && !PROVIDERS.includes(judgeProvider as PromptProvider))
    throw new UsageError(`--judge-provider: one of ${PROVIDERS.join(', ')}`);
  const policy = values['fail-on'] !== undefined ? parseFailOn(values['fail-on']) : undefined;
  const nowMs = now();
  const startMs = parseWhen(values.since ?? '24h', nowMs, '--since');
  const endMs = parseWhen(values.until ?? 'now', nowMs, '--until');
  if (startMs >= endMs) throw new UsageError('--since must be before --until');

  const configFile = abs(io, values.config ?? CONFIG_FILE);
  const config = (await loadConfig(configFile, values.config !== undefined)).test;
  const judge =
    values.judge !== undefined
      ? {
          model: values.judge,
          provider: (judgeProvider ?? (/^claude/i.test(values.judge) ? 'anthropic' : 'openai')) as PromptProvider,
        }
      : undefined;
  const registry = new Registry(abs(io, values.dir ?? io.env.PROMPTSCOPE_PROMPTS_DIR ?? 'prompts'));
  const overrides = {
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values.provider !== undefined ? { provider: values.provider } : {}),
    cwd: io.cwd,
  };
  const candidate = await resolveTarget(registry, prompt, values.candidate, overrides);
  const baselineRef = values.baseline ?? 'recorded';
  const baseline =
    baselineRef === 'recorded' ? undefined : await resolveTarget(registry, prompt, baselineRef, { cwd: io.cwd });
  let bank: Bank | undefined;
  try {
    bank = await loadBank(bankPath(abs(io, values.bank ?? config.bank ?? DEFAULT_BANK_DIR), prompt));
  } catch (err) {
    // No bank yet is fine (similarity and the judge still score); a broken one is not.
    if (!(err instanceof BankError && /no such|ENOENT|does not exist/i.test(err.message))) throw err;
  }
  const redact = await loadRedact(io, values.redact);
  const read = await readCompletions(prompt, values, io, { startMs, endMs });
  const plan = planReplay({
    prompt,
    completions: read.completions,
    filter: {
      sinceMs: startMs,
      untilMs: endMs,
      ...(values.version !== undefined ? { version: values.version.replace(/^v/, '') } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(sample !== undefined ? { sample } : {}),
    },
    candidate,
    ...(baseline !== undefined ? { baseline } : {}),
    ...(bank !== undefined ? { bank } : {}),
    ...(judge !== undefined ? { judge } : {}),
    ...(swap !== undefined ? { swapShare: swap } : {}),
    ...(redact !== undefined ? { redact } : {}),
    ...(maxCost !== undefined ? { maxCostUsd: maxCost } : {}),
  });
  if (maxCost !== undefined && plan.estimate.usd === null)
    throw new UsageError(
      `--max-cost cannot be kept: ${plan.estimate.unpriced} of the planned calls use a model without a known price (${targetName(candidate)}${judge ? `, judge ${judge.model}` : ''}). Add a price override (PROMPTSCOPE_PRICES_FILE) or drop --max-cost.`,
    );
  if (values['dry-run']) {
    printPlan(plan, io);
    return EXIT.OK;
  }
  if (plan.planned.length === 0 && plan.skipped.length === 0)
    io.stderr(
      `replay: no completions of "${prompt}" in ${read.kind === 'jaeger' ? `Jaeger at ${read.where}` : read.where} between ${new Date(startMs).toISOString()} and ${new Date(endMs).toISOString()}\n`,
    );

  const jaegerForLinks =
    read.kind === 'jaeger'
      ? read.where
      : values.jaeger !== undefined || io.env[JAEGER_ENV]
        ? baseUrl(values.jaeger ?? (io.env[JAEGER_ENV] as string))
        : undefined;
  const telemetry = await startTelemetry(io, { service: 'promptscope-replay', metrics: true });
  let report: Awaited<ReturnType<typeof runReplay>>;
  try {
    report = await runReplay(plan, {
      source: {
        kind: read.kind,
        where: read.where,
        ...(read.files !== undefined ? { files: read.files } : {}),
        since: new Date(startMs).toISOString(),
        until: new Date(endMs).toISOString(),
        ...(values.version !== undefined ? { version: values.version } : {}),
        ...(sample !== undefined ? { sample } : { limit: limit ?? DEFAULT_REPLAY_LIMIT }),
      },
      similarity,
      concurrency: count(values.concurrency, '--concurrency') || config.concurrency || 4,
      ...(values['no-cache']
        ? {}
        : { cacheDir: values['cache-dir'] !== undefined ? abs(io, values['cache-dir']) : defaultCacheDir(io.env) }),
      env: io.env,
      ...(values['run-id'] !== undefined ? { runId: values['run-id'] } : {}),
      ...(values.retries !== undefined
        ? { retry: { attempts: Math.max(1, count(values.retries, '--retries') ?? 1) } }
        : {}),
      ...((values['embedding-model'] ?? config.embeddingModel) !== undefined
        ? { embeddingModel: (values['embedding-model'] ?? config.embeddingModel) as string }
        : {}),
      ...(policy !== undefined ? { policy } : {}),
      ...(jaegerForLinks !== undefined ? { jaegerUrl: jaegerForLinks } : {}),
    });
    if (telemetry.exported) recordReplayMetrics(metrics.getMeter('@promptscope/eval'), report);
  } finally {
    await telemetry.shutdown();
  }
  if (!telemetry.exported)
    io.stderr('traces: not exported (set OTEL_EXPORTER_OTLP_ENDPOINT to send the run to your backend)\n');
  if (values.json !== undefined) await writeFile(abs(io, values.json), `${JSON.stringify(report, null, 2)}\n`);
  if (values.markdown !== undefined) await writeFile(abs(io, values.markdown), formatReplayMarkdown(report));
  if (values.html !== undefined) await writeFile(abs(io, values.html), formatReplayHtml(report));
  io.stdout(formatReplayTerminal(report));
  if (report.verdict.infraErrors > 0) return EXIT.USER;
  return report.verdict.pass ? EXIT.OK : EXIT.FAILED;
}
