import { access, readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  bankPath,
  CONFIG_FILE,
  DEFAULT_BANK_DIR,
  DEFAULT_REPORTS_DIR,
  findPassingReport,
  loadConfig,
} from '@promptscope/eval';
import {
  type ChatMessage,
  PromptError,
  parseVersion,
  Registry,
  type VersionFile,
  type WriteOptions,
} from '@promptscope/prompts';
import { diffLines, formatDiff, splitLines } from './diff.js';
import { EXIT, type Io, UsageError } from './io.js';

export const PROMPT_HELP = `Usage: promptscope prompt <command> [options]

Commands:
  new <name> --from <file.yaml>          write the next version from a YAML file (name and version are filled in)
  new <name> --template <text> --model <m> [--param k=v ...]
  new <name> --system <text> --user <text> --model <m> [--param k=v ...]
                                         ... or from flags; {{variables}} become required strings
  list                                   every prompt, its versions and labels
  show <name> [--label <l> | --version <n>]   a version file (default label: production), checked
  diff <name> <a> <b>                    line diff of two versions (each a version, v<N> or a label)
  promote <name> <version> --to <label>  point a label at a version (e.g. --to production); a gated label
                                         (promptscope.config.yaml promote.gated, default production) of a
                                         prompt with a test bank needs a passing report for that version's
                                         sha256 (promptscope test); --force --reason "<why>" overrides, logged
  rollback <name> [--label <l>] [--to <version>]
                                         move a label (default production) back to the version it
                                         pointed at before, from the change log
  log <name>                             the change log

Options:
  --dir <root>        the registry folder (default $PROMPTSCOPE_PROMPTS_DIR, else ./prompts)
  --by <who>          recorded in the change log (default $PROMPTSCOPE_USER, else your user name)
  --note <text>       why, recorded in the change log (alias --reason)
  --json              machine-readable output (list, show, log)
  --bank <dir>, --reports <dir>, --config <file>   promote: the bank folder (prompt-tests), the reports
                      (prompt-tests/.reports) and the config (promptscope.config.yaml)
`;

const COMMON = {
  dir: { type: 'string' },
  by: { type: 'string' },
  note: { type: 'string' },
  reason: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse<O extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>>(
  args: string[],
  options: O,
) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function registryFor(dir: string | undefined, io: Io): Registry {
  const root = dir ?? io.env.PROMPTSCOPE_PROMPTS_DIR ?? 'prompts';
  return new Registry(isAbsolute(root) ? root : resolve(io.cwd, root));
}

function positionals(list: string[], names: string[], command: string): string[] {
  if (list.length !== names.length) {
    throw new UsageError(
      `prompt ${command} expects ${names.map((n) => `<${n}>`).join(' ')}, got ${list.length === 0 ? 'nothing' : list.join(' ')}`,
    );
  }
  return list;
}

function version(text: string): number {
  try {
    return parseVersion(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function writeOptions(values: { by?: string; note?: string; reason?: string }, io: Io) {
  const note = values.note ?? values.reason;
  const by = values.by ?? io.env.PROMPTSCOPE_USER;
  return { ...(by !== undefined ? { by } : {}), ...(note !== undefined ? { note } : {}) };
}

function parseParam(kv: string): [string, unknown] {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param expects key=value, got ${JSON.stringify(kv)}`);
  const key = kv.slice(0, eq);
  const raw = kv.slice(eq + 1);
  if (raw === 'true' || raw === 'false') return [key, raw === 'true'];
  if (raw !== '' && Number.isFinite(Number(raw))) return [key, Number(raw)];
  return [key, raw];
}

export async function promptCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    io.stdout(PROMPT_HELP);
    return sub === undefined ? EXIT.USER : EXIT.OK;
  }
  switch (sub) {
    case 'new':
      return newCommand(rest, io);
    case 'list':
    case 'ls':
      return listCommand(rest, io);
    case 'show':
      return showCommand(rest, io);
    case 'diff':
      return diffCommand(rest, io);
    case 'promote':
      return promoteCommand(rest, io);
    case 'rollback':
      return rollbackCommand(rest, io);
    case 'log':
    case 'history':
      return logCommand(rest, io);
    default:
      throw new UsageError(`unknown command "prompt ${sub}" (commands: new, list, show, diff, promote, rollback, log)`);
  }
}

async function newCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals: pos } = parse(args, {
    from: { type: 'string' },
    template: { type: 'string' },
    system: { type: 'string' },
    user: { type: 'string' },
    model: { type: 'string' },
    description: { type: 'string' },
    param: { type: 'string', multiple: true },
  });
  const [name] = positionals(pos, ['name'], 'new');
  const registry = registryFor(values.dir, io);
  const fromFlags = values.template !== undefined || values.system !== undefined || values.user !== undefined;
  let file: VersionFile;
  if (values.from !== undefined) {
    if (fromFlags) throw new UsageError('give either --from <file> or --template/--system/--user, not both');
    const path = isAbsolute(values.from) ? values.from : resolve(io.cwd, values.from);
    let yaml: string;
    try {
      yaml = await readFile(path, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --from ${path}: ${(err as Error).message}`);
    }
    file = await registry.create(name, { yaml }, writeOptions(values, io));
  } else if (fromFlags) {
    if (values.model === undefined) throw new UsageError('--model is required with --template/--system/--user');
    if (values.template !== undefined && (values.system !== undefined || values.user !== undefined)) {
      throw new UsageError('give either --template (a text prompt) or --system/--user (a chat prompt)');
    }
    const parameters = Object.fromEntries((values.param ?? []).map(parseParam));
    const messages: ChatMessage[] = [];
    if (values.system !== undefined) messages.push({ role: 'system', content: values.system });
    if (values.user !== undefined) messages.push({ role: 'user', content: values.user });
    file = await registry.create(
      name,
      {
        spec: {
          model: values.model,
          parameters,
          ...(values.description !== undefined ? { description: values.description } : {}),
          ...(values.template !== undefined ? { template: values.template } : { messages }),
        },
      },
      writeOptions(values, io),
    );
  } else {
    throw new UsageError('prompt new needs --from <file.yaml>, or --template/--system/--user with --model');
  }
  io.stdout(`created ${file.file} (sha256 ${file.sha256}); latest -> v${file.version}\n`);
  io.stdout(`next: promptscope prompt promote ${name} ${file.version} --to production\n`);
  return 0;
}

async function listCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals: pos } = parse(args, {});
  positionals(pos, [], 'list');
  const registry = registryFor(values.dir, io);
  const all = await registry.list();
  if (values.json) {
    io.stdout(`${JSON.stringify(all, null, 2)}\n`);
    return 0;
  }
  if (all.length === 0) {
    io.stdout(`no prompts in ${registry.root} (create one: promptscope prompt new <name> --from <file.yaml>)\n`);
    return 0;
  }
  const rows = all.map((p) => [
    p.name,
    p.versions.length > 0 ? p.versions.map((v) => `v${v}`).join(',') : '-',
    Object.keys(p.labels)
      .sort()
      .map((l) => `${l}=v${p.labels[l]!.version}`)
      .join(' '),
  ]);
  io.stdout(table([['NAME', 'VERSIONS', 'LABELS'], ...rows]));
  return 0;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return (
    rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n') +
    '\n'
  );
}

async function showCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals: pos } = parse(args, { label: { type: 'string' }, version: { type: 'string' } });
  const [name] = positionals(pos, ['name'], 'show');
  if (values.label !== undefined && values.version !== undefined)
    throw new UsageError('give --label or --version, not both');
  const registry = registryFor(values.dir, io);
  const v =
    values.version !== undefined ? version(values.version) : await registry.resolve(name, values.label ?? 'production');
  const file = await registry.read(name, v, true);
  const labels = await registry.labels(name);
  const pointing = Object.keys(labels)
    .filter((l) => labels[l]!.version === v)
    .sort();
  if (values.json) {
    io.stdout(`${JSON.stringify({ ...file.spec, sha256: file.sha256, file: file.file, labels: pointing }, null, 2)}\n`);
    return 0;
  }
  io.stdout(`# ${name} v${v}  sha256 ${file.sha256}  labels: ${pointing.join(', ') || '-'}\n`);
  io.stdout(file.bytes.toString('utf8'));
  return 0;
}

async function diffCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals: pos } = parse(args, {});
  const [name, a, b] = positionals(pos, ['name', 'a', 'b'], 'diff');
  const registry = registryFor(values.dir, io);
  const [va, vb] = [await registry.resolve(name, a), await registry.resolve(name, b)];
  const [fa, fb] = [await registry.read(name, va, false), await registry.read(name, vb, false)];
  const text = formatDiff(
    diffLines(splitLines(fa.bytes.toString('utf8')), splitLines(fb.bytes.toString('utf8'))),
    `${name} v${va}${a === String(va) || a === `v${va}` ? '' : ` (${a})`}`,
    `${name} v${vb}${b === String(vb) || b === `v${vb}` ? '' : ` (${b})`}`,
  );
  io.stdout(text === '' ? `${name}: v${va} and v${vb} are identical\n` : text);
  return 0;
}

async function promoteCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals: pos } = parse(args, {
    to: { type: 'string' },
    force: { type: 'boolean' },
    bank: { type: 'string' },
    reports: { type: 'string' },
    config: { type: 'string' },
  });
  const [name, v] = positionals(pos, ['name', 'version'], 'promote');
  if (values.to === undefined) throw new UsageError('prompt promote needs --to <label>, e.g. --to production');
  const registry = registryFor(values.dir, io);
  const n = version(v);
  const opts = writeOptions(values, io);
  const gate = await promotionGate(registry, name, n, values.to, values, io);
  if (gate === 'refused') return EXIT.FAILED;
  const e = await registry.promote(name, n, values.to, { ...opts, ...gate });
  io.stdout(
    `${name}: ${e.label} ${e.from !== undefined ? `v${e.from}` : '(new)'} -> v${e.to}${e.forced ? ' (forced, logged)' : ''}\n`,
  );
  return EXIT.OK;
}

/**
 * A gated label (promptscope.config.yaml `promote.gated`, default production) of a prompt that has a bank
 * moves only to a version with a passing test report for its exact sha256; `--force --reason` overrides,
 * and the change log records it.
 */
async function promotionGate(
  registry: Registry,
  name: string,
  n: number,
  label: string,
  values: { force?: boolean; bank?: string; reports?: string; config?: string; note?: string; reason?: string },
  io: Io,
): Promise<WriteOptions | 'refused'> {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(io.cwd, p));
  const config = await loadConfig(abs(values.config ?? CONFIG_FILE), values.config !== undefined);
  const bank = bankPath(abs(values.bank ?? config.test.bank ?? DEFAULT_BANK_DIR), name);
  if (!config.promote.gated.includes(label) || !(await exists(bank))) {
    if (values.force)
      throw new UsageError(
        `--force: label "${label}" of "${name}" is not gated (no bank at ${bank}, or not in promote.gated)`,
      );
    return {};
  }
  const file = await registry.read(name, n, true);
  const reportsDir = abs(values.reports ?? config.test.reports ?? DEFAULT_REPORTS_DIR);
  const check = await findPassingReport(reportsDir, name, file.sha256);
  if (check.passing !== undefined) {
    io.stderr(
      `gate: passing report ${check.passing.file} (${check.passing.report.verdict.passed} passed, run ${check.passing.report.runId})\n`,
    );
    return { report: check.passing.file };
  }
  if (values.force) {
    const reason = values.reason ?? values.note;
    if (reason === undefined || reason.trim() === '')
      throw new UsageError('--force needs --reason "<why>": the change log records it');
    io.stderr(
      `gate: no passing report for v${n} (sha256 ${file.sha256}); promoting anyway (--force), logged with the reason\n`,
    );
    return { forced: true, note: reason };
  }
  io.stderr(
    [
      `refused: "${label}" is gated and ${name} has a test bank (${bank}), but no passing report exists for v${n} (sha256 ${file.sha256}) in ${reportsDir}.`,
      ...check.rejected.map((r) => `  not counted: ${r}`),
      `Run: promptscope test ${name} --candidate ${n} --baseline ${label}`,
      `or override: promptscope prompt promote ${name} ${n} --to ${label} --force --reason "<why>"`,
    ].join('\n') + '\n',
  );
  return 'refused';
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

async function rollbackCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals: pos } = parse(args, { label: { type: 'string' }, to: { type: 'string' } });
  const [name] = positionals(pos, ['name'], 'rollback');
  const registry = registryFor(values.dir, io);
  const e = await registry.rollback(name, values.label ?? 'production', {
    ...writeOptions(values, io),
    ...(values.to !== undefined ? { to: version(values.to) } : {}),
  });
  io.stdout(`${name}: ${e.label} v${e.from} -> v${e.to} (rollback; running apps follow within their TTL)\n`);
  return 0;
}

async function logCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals: pos } = parse(args, {});
  const [name] = positionals(pos, ['name'], 'log');
  const registry = registryFor(values.dir, io);
  const history = await registry.history(name);
  if (values.json) {
    io.stdout(`${JSON.stringify(history, null, 2)}\n`);
    return 0;
  }
  if (history.length === 0) {
    io.stdout(`${name}: no changes recorded\n`);
    return 0;
  }
  for (const e of history) {
    const move = e.from !== undefined ? `v${e.from} -> v${e.to}` : `v${e.to}`;
    io.stdout(
      `${e.at}  ${e.action.padEnd(8)} ${(e.label ?? '').padEnd(11)} ${move}${e.by ? `  by ${e.by}` : ''}${e.note ? `: ${e.note}` : ''}\n`,
    );
  }
  return 0;
}

export { PromptError };
