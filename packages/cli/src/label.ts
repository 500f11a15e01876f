import { parseArgs } from 'node:util';
import { type Io, UsageError } from './io.js';

export const LABEL_HELP = `Usage: promptscope label <token | trace-id> --name <evaluation> --value <value> [options]

Records a manual label on a completion as a gen_ai.evaluation.result event (kind "label", source
"annotator"), in the completion's trace. Telemetry goes where the OTEL_* variables say (OTLP), and is
flushed before the command exits.

  <token>             a feedback token (pf1.…) the app handed out with the completion
  <trace-id>          or the 32-hex trace id of the completion, with --span <16-hex span id>

Options:
  --name <evaluation> what is being judged, e.g. correctness, tone
  --value <value>     a number, true/false, or a category label (e.g. "off-topic", with --categories)
  --categories <list> the allowed category labels, "a,b,c" (no scores) or "good=1,bad=0" (with scores)
  --span <span-id>    the completion span, with a raw trace id
  --comment <text>    why (recorded as gen_ai.evaluation.explanation)
  --id <key>          idempotency key: a later label with the same id supersedes this one
`;

const TRACE_ID = /^[0-9a-f]{32}$/i;
const SPAN_ID = /^[0-9a-f]{16}$/i;

/** "true"/"false" → boolean, a finite number → number, anything else → a category label. */
export function parseValue(raw: string): number | boolean | string {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const n = Number(raw);
  if (raw.trim() !== '' && Number.isFinite(n)) return n;
  return raw;
}

/** `a,b,c` → a list (labels only); `good=1,bad=0` → labels with scores. */
export function parseCategories(raw: string): string[] | Record<string, number> {
  const items = raw
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (items.length === 0) throw new UsageError('--categories needs at least one label, e.g. --categories good,bad');
  if (!items.some((c) => c.includes('='))) return items;
  const out: Record<string, number> = {};
  for (const item of items) {
    const [k, v] = item.split('=');
    const n = Number(v);
    if (!k || v === undefined || v.trim() === '' || !Number.isFinite(n)) {
      throw new UsageError(`--categories: expected label=score pairs like good=1,bad=0, got ${JSON.stringify(item)}`);
    }
    out[k] = n;
  }
  return out;
}

export async function labelCommand(args: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseLabelArgs>;
  try {
    parsed = parseLabelArgs(args);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(LABEL_HELP);
    return 0;
  }
  return record(values, positionals, io);
}

function parseLabelArgs(args: string[]) {
  return parseArgs({
    args,
    options: {
      name: { type: 'string' },
      value: { type: 'string' },
      span: { type: 'string' },
      comment: { type: 'string' },
      id: { type: 'string' },
      categories: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}

type LabelArgs = ReturnType<typeof parseLabelArgs>;

async function record(values: LabelArgs['values'], positionals: string[], io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('label expects one <token> or <trace-id>');
  if (values.name === undefined || values.value === undefined) throw new UsageError('label needs --name and --value');
  const target = positionals[0]!;

  const value = parseValue(values.value);
  const categories = values.categories !== undefined ? parseCategories(values.categories) : undefined;
  if (typeof value === 'string' && categories === undefined) {
    throw new UsageError(
      `--value ${JSON.stringify(value)} is a category label: list the allowed ones with --categories (e.g. --categories ${value},other)`,
    );
  }

  const fb = await import('@promptscope/feedback');
  const secret = io.env[fb.SECRET_ENV];
  let token: string;
  if (TRACE_ID.test(target)) {
    if (values.span === undefined || !SPAN_ID.test(values.span)) {
      throw new UsageError('with a raw trace id, give --span <16-hex span id> of the completion span');
    }
    token = fb.encodeFeedbackToken(
      { traceId: target.toLowerCase(), spanId: values.span.toLowerCase(), traceFlags: 1 },
      secret ? { secret } : {},
    );
  } else {
    if (values.span !== undefined) throw new UsageError('--span goes with a raw trace id, not with a token');
    token = target;
  }
  // Check the token (and its signature, when PROMPTSCOPE_FEEDBACK_SECRET is set) before starting any SDK.
  try {
    fb.parseFeedbackToken(token, secret ? { secret } : {});
  } catch (err) {
    if (err instanceof fb.FeedbackError) throw new UsageError(err.message);
    throw err;
  }

  // Start the SDK only once the input is known good: a usage error exports nothing.
  const { start } = await import('@promptscope/register/api');
  const registration = start({ exitHandlers: false, env: io.env });
  try {
    if (categories !== undefined) fb.defineEvaluation(values.name, { type: 'categorical', categories });
    const input = {
      name: values.name,
      value,
      kind: 'label' as const,
      ...(values.comment !== undefined ? { comment: values.comment } : {}),
      ...(values.id !== undefined ? { id: values.id } : {}),
    };
    const result = fb.recordFeedback(token, input);
    const shown = result.label ?? result.score;
    io.stdout(
      `labelled trace ${result.traceId} span ${result.spanId}: ${result.name} = ${shown === undefined ? values.value : String(shown)}\n`,
    );
    if (registration.mode === 'disabled') {
      io.stderr('warning: OTEL_SDK_DISABLED is set: the label was not exported\n');
    }
  } catch (err) {
    if (err instanceof fb.FeedbackError) throw new UsageError(err.message);
    throw err;
  } finally {
    await registration.shutdown();
  }
  return 0;
}
