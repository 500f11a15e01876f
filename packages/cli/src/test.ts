/**
 * `promptscope test <prompt>` (the gate) and `promptscope test merge` (the shards of one run). The engine
 * is @promptscope/eval; this file reads flags and the config, starts the OTel SDK so the run's spans go to
 * the same backend as production (the OTEL_* variables), and writes the reports.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { metrics } from '@opentelemetry/api';
import {
  BankError,
  bankPath,
  CONFIG_FILE,
  DEFAULT_BANK_DIR,
  DEFAULT_POLICY,
  DEFAULT_REPORTS_DIR,
  defaultCacheDir,
  formatJunit,
  formatTerminal,
  loadBank,
  loadConfig,
  mergeReports,
  type Policy,
  parseFraction,
  parseShard,
  type Report,
  recordTestMetrics,
  resolveTarget,
  runSuite,
  saveReport,
} from '@promptscope/eval';
import { PROVIDERS, type PromptProvider, Registry } from '@promptscope/prompts';
import { EXIT, type Io, parseFlags, UsageError } from './io.js';
import { startTelemetry } from './telemetry.js';

export const TEST_HELP = `Usage: promptscope test <prompt> --candidate <version|label|file.yaml> [options]
       promptscope test merge <report.json>... [--json <file>] [--junit <file>]

Runs every case of the prompt's bank (prompt-tests/<prompt>.yaml) against the candidate, and against the
baseline when given, through the real provider SDKs (base URLs and keys from OPENAI_BASE_URL/OPENAI_API_KEY,
ANTHROPIC_BASE_URL/ANTHROPIC_API_KEY). The gate passes when every critical case passes, the pass rate reaches
--min-pass-rate, no case that passes on the baseline fails on the candidate (beyond --max-new-failures), and
mean cost and p95 latency stay within their budgets against the baseline. The last line is \`N passed, N failed\`.

Options (flags win over promptscope.config.yaml's test: section):
  --candidate <ref>          a version (3, v3), a label (staging) or a draft file (drafts/v4.yaml)
  --baseline <ref>           a version or label to compare with (new failures, budgets)
  --model <m>, --provider <p>  run the candidate on another model (openai | anthropic): a model upgrade
  --min-pass-rate <x>        share of cases that must pass, 0.95 or 95% (default 100%)
  --max-new-failures <n>     cases passing on the baseline allowed to fail on the candidate (default 0)
  --max-cost-increase <x>    budget on mean cost against the baseline, e.g. 10%
  --max-latency-increase <x> budget on p95 latency against the baseline, e.g. 20%
  --repeat <n>               runs per case (default 1); --min-pass <k>: runs that must pass (default n)
  -j, --concurrency <n>      calls at once (default 4); 429s pause every call for the retry-after
  --retries <n>              attempts per call on 429, 5xx, 529, timeouts and connection errors (default 5)
  --shard <i/n>              run the i-th of n deterministic slices of the bank (merge the reports after)
  --run-id <id>              test.suite.run.id (default: a new UUID)
  --no-cache, --cache-dir <dir>  the response cache (default $PROMPTSCOPE_CACHE_DIR/responses, ~/.cache/promptscope/responses)
  --judge <model>, --judge-provider <p>  the llm-rubric judge (default openai gpt-4o-mini)
  --embedding-model <m>      for similar (default text-embedding-3-small)
  --json <file>, --junit <file>  write the JSON report / JUnit XML there
  --reports <dir>            where every report is kept for promotion (default prompt-tests/.reports)
  --bank <dir>, --dir <root>, --config <file>   the bank folder, the registry, the config file

Spans go where OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) says, as service promptscope-test unless
OTEL_SERVICE_NAME is set, with the run metrics (promptscope.eval.*: cases by outcome, cost, latency); the
provider calls themselves add nothing to the production GenAI metrics. Without an endpoint nothing is exported.
Exit codes: 0 the gate passed, 1 it failed, 2 a usage, bank or infrastructure error (nothing ran properly).
`;

function parse(args: string[]) {
  return parseFlags(args, {
    candidate: { type: 'string' },
    baseline: { type: 'string' },
    model: { type: 'string' },
    provider: { type: 'string' },
    'min-pass-rate': { type: 'string' },
    'max-new-failures': { type: 'string' },
    'max-cost-increase': { type: 'string' },
    'max-latency-increase': { type: 'string' },
    repeat: { type: 'string' },
    'min-pass': { type: 'string' },
    concurrency: { type: 'string', short: 'j' },
    shard: { type: 'string' },
    'run-id': { type: 'string' },
    retries: { type: 'string' },
    'no-cache': { type: 'boolean' },
    'cache-dir': { type: 'string' },
    judge: { type: 'string' },
    'judge-provider': { type: 'string' },
    'embedding-model': { type: 'string' },
    json: { type: 'string' },
    junit: { type: 'string' },
    reports: { type: 'string' },
    bank: { type: 'string' },
    dir: { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
}

const abs = (io: Io, p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));

function int(raw: string | undefined, flag: string, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number >= ${min}, got ${raw}`);
  return n;
}

function fraction(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseFraction(raw, flag);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function output(
  r: Report,
  values: { json?: string; junit?: string },
  reportsDir: string | undefined,
  io: Io,
): Promise<number> {
  if (values.json !== undefined) await writeFile(abs(io, values.json), `${JSON.stringify(r, null, 2)}\n`);
  if (values.junit !== undefined) await writeFile(abs(io, values.junit), formatJunit(r));
  if (reportsDir !== undefined && r.shard === undefined) {
    const kept = await saveReport(reportsDir, r);
    io.stderr(`report: ${kept}\n`);
  }
  io.stdout(formatTerminal(r));
  if (r.verdict.infraErrors > 0) return EXIT.USER;
  return r.verdict.pass ? EXIT.OK : EXIT.FAILED;
}

export async function testCommand(args: string[], io: Io): Promise<number> {
  if (args[0] === 'merge') return mergeCommand(args.slice(1), io);
  const { values, positionals } = parse(args);
  if (values.help) {
    io.stdout(TEST_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1)
    throw new UsageError(
      'test expects one <prompt>, e.g. promptscope test support-reply --candidate 3 --baseline production',
    );
  if (values.candidate === undefined) throw new UsageError('test needs --candidate <version|label|file.yaml>');
  const prompt = positionals[0] as string;
  const configFile = abs(io, values.config ?? CONFIG_FILE);
  const config = (await loadConfig(configFile, values.config !== undefined)).test;
  const policy: Policy = {
    minPassRate:
      fraction(values['min-pass-rate'], '--min-pass-rate') ?? config.minPassRate ?? DEFAULT_POLICY.minPassRate,
    maxNewFailures:
      int(values['max-new-failures'], '--max-new-failures', 0) ??
      config.maxNewFailures ??
      DEFAULT_POLICY.maxNewFailures,
  };
  if (policy.minPassRate > 1) throw new UsageError('--min-pass-rate is at most 100%');
  const cost = fraction(values['max-cost-increase'], '--max-cost-increase') ?? config.maxCostIncrease;
  const latency = fraction(values['max-latency-increase'], '--max-latency-increase') ?? config.maxLatencyIncrease;
  if (cost !== undefined) policy.maxCostIncrease = cost;
  if (latency !== undefined) policy.maxLatencyIncrease = latency;
  if ((cost !== undefined || latency !== undefined) && values.baseline === undefined) {
    throw new UsageError(
      '--max-cost-increase and --max-latency-increase are budgets against a baseline: give --baseline <version|label>',
    );
  }
  const repeat = int(values.repeat, '--repeat', 1) ?? config.repeat ?? 1;
  const minPass = int(values['min-pass'], '--min-pass', 1) ?? config.minPass ?? repeat;
  if (minPass > repeat) throw new UsageError(`--min-pass ${minPass} is more than --repeat ${repeat}`);
  const judgeProvider = values['judge-provider'];
  if (judgeProvider !== undefined && !PROVIDERS.includes(judgeProvider as PromptProvider))
    throw new UsageError(`--judge-provider: one of ${PROVIDERS.join(', ')}`);
  const judge =
    values.judge !== undefined
      ? {
          model: values.judge,
          provider: (judgeProvider ?? (/^claude/i.test(values.judge) ? 'anthropic' : 'openai')) as PromptProvider,
        }
      : config.judge;
  let shard: ReturnType<typeof parseShard> | undefined;
  if (values.shard !== undefined) {
    try {
      shard = parseShard(values.shard);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }

  const registry = new Registry(abs(io, values.dir ?? io.env.PROMPTSCOPE_PROMPTS_DIR ?? 'prompts'));
  const bank = await loadBank(bankPath(abs(io, values.bank ?? config.bank ?? DEFAULT_BANK_DIR), prompt));
  const overrides = {
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values.provider !== undefined ? { provider: values.provider } : {}),
    cwd: io.cwd,
  };
  const candidate = await resolveTarget(registry, prompt, values.candidate, overrides);
  const baseline =
    values.baseline !== undefined ? await resolveTarget(registry, prompt, values.baseline, { cwd: io.cwd }) : undefined;

  const telemetry = await startTelemetry(io, { service: 'promptscope-test', metrics: true });
  let report: Report;
  try {
    report = await runSuite({
      bank,
      candidate,
      ...(baseline !== undefined ? { baseline } : {}),
      policy,
      repeat,
      minPass,
      concurrency: int(values.concurrency, '--concurrency', 1) ?? config.concurrency ?? 4,
      ...(shard !== undefined ? { shard } : {}),
      ...(values['run-id'] !== undefined ? { runId: values['run-id'] } : {}),
      ...(values.retries !== undefined ? { retry: { attempts: int(values.retries, '--retries', 1) as number } } : {}),
      ...(values['no-cache']
        ? {}
        : { cacheDir: values['cache-dir'] !== undefined ? abs(io, values['cache-dir']) : defaultCacheDir(io.env) }),
      env: io.env,
      ...(judge !== undefined ? { judge } : {}),
      ...((values['embedding-model'] ?? config.embeddingModel) !== undefined
        ? { embeddingModel: (values['embedding-model'] ?? config.embeddingModel) as string }
        : {}),
    });
    if (telemetry.exported) recordTestMetrics(metrics.getMeter('@promptscope/eval'), report);
  } finally {
    await telemetry.shutdown();
  }
  if (!telemetry.exported)
    io.stderr('traces: not exported (set OTEL_EXPORTER_OTLP_ENDPOINT to send the run to your backend)\n');
  return output(report, values, abs(io, values.reports ?? config.reports ?? DEFAULT_REPORTS_DIR), io);
}

async function mergeCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseFlags(args, {
    json: { type: 'string' },
    junit: { type: 'string' },
    reports: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (parsed.values.help) {
    io.stdout(TEST_HELP);
    return EXIT.OK;
  }
  if (parsed.positionals.length === 0)
    throw new UsageError(
      'test merge expects the JSON reports of the shards: promptscope test merge shard-1.json shard-2.json',
    );
  const reports: Report[] = [];
  for (const p of parsed.positionals) {
    const file = abs(io, p);
    try {
      reports.push(JSON.parse(await readFile(file, 'utf8')) as Report);
    } catch (err) {
      throw new BankError(`${file}: not a readable JSON report: ${(err as Error).message}`, { file });
    }
  }
  let merged: Report;
  try {
    merged = mergeReports(reports);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return output(merged, parsed.values, abs(io, parsed.values.reports ?? DEFAULT_REPORTS_DIR), io);
}
