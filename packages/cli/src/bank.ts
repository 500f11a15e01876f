/**
 * `promptscope bank add <prompt>`: production completions become test cases, from Jaeger (`--trace`,
 * `--worst`) or the collector's replay file (`--from`). The engine (@promptscope/eval) turns each span into
 * a case; this file only picks the spans and writes what happened.
 */
import { isAbsolute, resolve } from 'node:path';
import { ATTR } from '@promptscope/core';
import {
  BankFile,
  bankPath,
  type CapturedCompletion,
  caseFromCompletion,
  completionsOf,
  DEFAULT_BANK_DIR,
  fromJaegerSpan,
  HarvestError,
  readReplayFile,
  selectCompletions,
  varsKey,
} from '@promptscope/eval';
import { type PromptSpec, Registry } from '@promptscope/prompts';
import { EXIT, type Io, parseFlags, UsageError } from './io.js';
import { baseUrl, DEFAULT_JAEGER, fetchTrace, JAEGER_ENV, parseWhen } from './jaeger.js';
import { findWorst } from './worst.js';

export const BANK_HELP = `Usage: promptscope bank add <prompt> <source> [options]

Adds production completions to the prompt's test bank (prompt-tests/<prompt>.yaml), one case per
completion: its captured variables (gen_ai.prompt.variable.*), where it came from (trace, span, prompt
version, model, time, signal) and an id made from the variables. A case whose variables are already in the
bank is skipped. A span without captured variables is refused, saying what to switch on.

Sources (one):
  --trace <trace-id> [--span <span-id>]   a trace in Jaeger (every completion of the prompt in it, or one span)
  --worst                                 what \`promptscope worst\` lists (lowest-rated first; --failed: failed ones)
  --from <file>                           the collector's replay file (OTLP JSON lines) and its rotated backups

Options:
  --bank <dir>            the bank folder (default prompt-tests)
  --dir <root>            the prompt registry, to type the variables by the production version's schema (default ./prompts)
  --pin-output            keep the production output as the case's \`expected\`
  --jaeger <url>          Jaeger query base URL (default $PROMPTSCOPE_JAEGER_URL, else http://127.0.0.1:16686)
  --since <when>          with --worst or --from: 24h, 7d, a date (default: --worst 24h, --from everything)
  --limit <n>             with --worst or --from: at most n completions, newest (worst) first (default 20)
  --version <v>           with --worst or --from: only this prompt version
  --failed                with --worst or --from: failed completions
  --feedback negative     with --from: completions with negative feedback (score <= 0.4)
  --evaluation <name>     with --worst: rank by this evaluation only
`;

function parse(args: string[]) {
  return parseFlags(args, {
    trace: { type: 'string' },
    span: { type: 'string' },
    worst: { type: 'boolean' },
    from: { type: 'string' },
    bank: { type: 'string' },
    dir: { type: 'string' },
    'pin-output': { type: 'boolean' },
    jaeger: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    version: { type: 'string' },
    failed: { type: 'boolean' },
    feedback: { type: 'string' },
    evaluation: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
}

type Values = ReturnType<typeof parse>['values'];

const abs = (io: Io, p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));

function limitOf(raw: string | undefined): number {
  if (raw === undefined) return 20;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--limit must be a positive whole number, got ${raw}`);
  return n;
}

export async function bankCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    io.stdout(BANK_HELP);
    return sub === undefined ? EXIT.USER : EXIT.OK;
  }
  if (sub !== 'add') throw new UsageError(`unknown command "bank ${sub}" (commands: add; see promptscope bank --help)`);
  const { values, positionals } = parse(rest);
  if (values.help) {
    io.stdout(BANK_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1)
    throw new UsageError('bank add expects one <prompt>, e.g. promptscope bank add support-reply --trace <id>');
  const prompt = positionals[0] as string;
  const sources = [values.trace !== undefined, values.worst === true, values.from !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new UsageError('bank add needs exactly one source: --trace <id>, --worst or --from <file>');
  if (values.span !== undefined && values.trace === undefined) throw new UsageError('--span goes with --trace');
  if (values.feedback !== undefined && values.feedback !== 'negative')
    throw new UsageError('--feedback takes one value: negative');
  if (values.feedback !== undefined && values.from === undefined)
    throw new UsageError('--feedback goes with --from (with --worst, rated completions are listed worst first)');

  const { completions, from } = await pick(prompt, values, io);
  const registry = new Registry(abs(io, values.dir ?? io.env.PROMPTSCOPE_PROMPTS_DIR ?? 'prompts'));
  const file = bankPath(abs(io, values.bank ?? DEFAULT_BANK_DIR), prompt);
  const bank = await BankFile.open(file, prompt);
  const known = new Map(bank.bank().cases.map((c) => [varsKey(c.vars), c.id]));
  const specs = new Map<string, PromptSpec | undefined>();
  let added = 0;
  const refused: string[] = [];
  for (const c of completions) {
    const version = c.span.attributes[ATTR.PROMPT_VERSION];
    const key = String(version);
    if (version !== undefined && !specs.has(key)) {
      specs.set(
        key,
        await registry.read(prompt, Number(version), false).then(
          (f) => f.spec,
          () => undefined,
        ),
      );
    }
    let next: ReturnType<typeof caseFromCompletion>;
    try {
      const spec = specs.get(key);
      next = caseFromCompletion(c, {
        ...(spec !== undefined ? { spec } : {}),
        pinOutput: values['pin-output'] === true,
        from,
      });
    } catch (err) {
      if (!(err instanceof HarvestError)) throw err;
      refused.push(err.message);
      io.stderr(`refused: ${err.message}\n`);
      continue;
    }
    const existing = known.get(varsKey(next.vars));
    if (existing !== undefined) {
      io.stdout(`skipped span ${c.span.spanId}: its variables are already in the bank as ${existing}\n`);
      continue;
    }
    bank.add(next);
    known.set(varsKey(next.vars), next.id);
    added++;
    const s = next.source;
    io.stdout(`added ${next.id} (trace ${s?.traceId}, span ${s?.spanId}, v${s?.promptVersion ?? '?'}, ${s?.signal})\n`);
  }
  if (added > 0) {
    await bank.save();
    io.stdout(
      `${file}: ${added} case(s) added. They hold production inputs: review them before committing, and add assertions (\`promptscope test\` refuses a case without any).\n`,
    );
  }
  if (completions.length === 0) {
    io.stderr(`no completion of prompt "${prompt}" found in ${from}\n`);
    return EXIT.USER;
  }
  // Nothing usable at all is an input error; duplicates and a partial refusal are not.
  return refused.length === completions.length ? EXIT.USER : EXIT.OK;
}

async function pick(prompt: string, v: Values, io: Io): Promise<{ completions: CapturedCompletion[]; from: string }> {
  const now = Date.now();
  const filter = {
    ...(v.version !== undefined ? { version: v.version } : {}),
    ...(v.failed ? { failed: true } : {}),
    ...(v.feedback === 'negative' ? { negative: true } : {}),
    ...(v.since !== undefined ? { sinceMs: parseWhen(v.since, now, '--since') } : {}),
    limit: limitOf(v.limit),
  };
  if (v.from !== undefined) {
    const read = await readReplayFile(abs(io, v.from));
    if (read.skippedLines > 0)
      io.stderr(`warning: ${read.skippedLines} line(s) of ${read.files.join(', ')} are not OTLP JSON; skipped\n`);
    return { completions: selectCompletions(completionsOf(read.spans, prompt), filter), from: v.from };
  }
  const jaeger = baseUrl(v.jaeger ?? (io.env[JAEGER_ENV] || DEFAULT_JAEGER));
  if (v.trace !== undefined) {
    if (!/^[0-9a-f]{32}$/i.test(v.trace)) throw new UsageError(`--trace ${v.trace}: expected a 32-hex trace id`);
    const spans = (await fetchTrace(jaeger, v.trace.toLowerCase())).map(fromJaegerSpan);
    let list = completionsOf(spans, prompt);
    if (v.span !== undefined) {
      list = list.filter((c) => c.span.spanId === v.span?.toLowerCase());
      if (list.length === 0)
        throw new UsageError(`trace ${v.trace} has no completion span ${v.span} of prompt "${prompt}" in Jaeger`);
    }
    return { completions: list, from: 'jaeger' };
  }
  const startMs = parseWhen(v.since ?? '24h', now, '--since');
  const worst = await findWorst({
    prompt,
    jaeger,
    startUs: startMs * 1000,
    endUs: now * 1000,
    limit: filter.limit,
    failed: v.failed === true,
    ...(v.evaluation !== undefined ? { evaluation: v.evaluation } : {}),
    ...(v.version !== undefined ? { promptVersion: v.version } : {}),
  });
  const out: CapturedCompletion[] = [];
  const traces = new Map<string, CapturedCompletion[]>();
  for (const w of worst.completions) {
    if (!w.completionFound) {
      io.stderr(
        `refused: the completion span ${w.spanId} of trace ${w.traceId} is not in Jaeger (sampled out or not exported yet); only its feedback is\n`,
      );
      continue;
    }
    let list = traces.get(w.traceId);
    if (list === undefined) {
      list = completionsOf((await fetchTrace(jaeger, w.traceId)).map(fromJaegerSpan), prompt);
      traces.set(w.traceId, list);
    }
    const found = list.find((c) => c.span.spanId === w.spanId);
    if (found !== undefined) out.push(found);
  }
  return { completions: out, from: 'jaeger' };
}
