import { userInfo } from 'node:os';
import { describe, PromptError } from './errors.js';

/** One line of `<name>/changelog.jsonl`. */
export interface ChangeEntry {
  at: string;
  action: 'new' | 'promote' | 'rollback';
  /** The label moved (promote, rollback); `latest` for new. */
  label?: string;
  /** The version the label pointed at before, if any. */
  from?: number;
  to: number;
  /** sha256 of the `to` version file when it was recorded. */
  sha256: string;
  by?: string;
  note?: string;
  /** A gated promotion made without a passing test report (`--force --reason`). */
  forced?: boolean;
  /** The passing test report a gated promotion relied on. */
  report?: string;
}

export interface WriteOptions {
  /** Who made the change; default PROMPTSCOPE_USER, else the OS user name. */
  by?: string;
  note?: string;
  forced?: boolean;
  report?: string;
}

export function parseChangelog(text: string, file: string, name: string): ChangeEntry[] {
  const out: ChangeEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as ChangeEntry);
    } catch (err) {
      throw new PromptError('invalid', `${file}:${i + 1}: not valid JSON: ${describe(err)}`, {
        prompt: name,
        location: file,
      });
    }
  });
  return out;
}

function defaultBy(): string | undefined {
  if (process.env.PROMPTSCOPE_USER) return process.env.PROMPTSCOPE_USER;
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

export function entry(
  action: ChangeEntry['action'],
  label: string,
  from: number | undefined,
  to: number,
  digest: string,
  opts: WriteOptions,
): ChangeEntry {
  const e: ChangeEntry =
    from !== undefined
      ? { at: new Date().toISOString(), action, label, from, to, sha256: digest }
      : { at: new Date().toISOString(), action, label, to, sha256: digest };
  const by = opts.by ?? defaultBy();
  if (by !== undefined) e.by = by;
  if (opts.note !== undefined) e.note = opts.note;
  if (opts.forced) e.forced = true;
  if (opts.report !== undefined) e.report = opts.report;
  return e;
}

/** The versions a label pointed at, oldest first: promote pushes, rollback pops back to its target. */
export function labelStack(history: ChangeEntry[], label: string): Array<{ version: number; sha256: string }> {
  const stack: Array<{ version: number; sha256: string }> = [];
  for (const e of history) {
    if (e.label !== label || (e.action !== 'promote' && e.action !== 'rollback')) continue;
    if (e.action === 'rollback') {
      while (stack.length > 0 && stack.at(-1)!.version !== e.to) stack.pop();
      if (stack.length === 0) stack.push({ version: e.to, sha256: e.sha256 });
    } else {
      stack.push({ version: e.to, sha256: e.sha256 });
    }
  }
  return stack;
}
