/**
 * Reading and editing a bank file. Edits go through the `yaml` Document API, so the comments, order and
 * layout a reviewer wrote survive `bank add`; the file is replaced atomically (write, then rename).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Document, isMap, isSeq, LineCounter, parseDocument, YAMLError, type YAMLSeq } from 'yaml';
import { BankError, describeError } from '../errors.js';
import { type Bank, type CaseSource, type Vars, validateBank } from './model.js';

/** `prompt-tests/<prompt>.yaml` under the bank directory. */
export function bankPath(dir: string, prompt: string): string {
  return join(dir, `${prompt}.yaml`);
}

function parse(text: string, file: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true, logLevel: 'silent' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) {
    const pos =
      problem instanceof YAMLError && problem.linePos ? `:${problem.linePos[0].line}:${problem.linePos[0].col}` : '';
    throw new BankError(
      `${file}${pos}: not valid YAML: ${problem.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      { file },
    );
  }
  return { doc, lines };
}

function locator(doc: Document, lines: LineCounter) {
  return (path: (string | number)[]) => {
    // The deepest node that exists on the path: a missing field points at its parent.
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as {
        range?: [number, number, number];
      } | null;
      if (node?.range !== undefined) {
        const pos = lines.linePos(node.range[0]);
        return `${pos.line}:${pos.col}`;
      }
    }
    return undefined;
  };
}

export function sha256Of(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Parses and validates a bank's text. */
export function parseBank(text: string, file: string, runnable = true): Bank {
  const { doc, lines } = parse(text, file);
  return validateBank(doc.toJS({ maxAliasCount: 50 }), file, sha256Of(text), locator(doc, lines), runnable);
}

/** Reads a bank file; a missing file is a BankError saying how to start one. */
export async function loadBank(file: string): Promise<Bank> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BankError(
      code === 'ENOENT'
        ? `${file}: no test bank; start one with \`promptscope bank add <prompt> --trace <id>\` or write it by hand (see docs/testing-prompts.md)`
        : `${file}: cannot read: ${describeError(err)}`,
      { file },
    );
  }
  return parseBank(text, file);
}

/** A new case, as `bank add` writes it. */
export interface NewCase {
  id: string;
  description?: string;
  vars: Vars;
  tags?: string[];
  expected?: string;
  source?: CaseSource;
}

/**
 * A bank file open for editing. New cases are spliced into the original text at the end of the `cases`
 * list, so every byte a person wrote (comments, order, quoting, spacing) stays as it was; only the new
 * items are serialized. `save()` validates the result before replacing the file.
 */
export class BankFile {
  private readonly pending: NewCase[] = [];

  private constructor(
    readonly file: string,
    private readonly original: string,
    readonly existed: boolean,
  ) {}

  static async open(file: string, prompt: string): Promise<BankFile> {
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new BankError(`${file}: cannot read: ${describeError(err)}`, { file });
    }
    if (text === undefined) {
      return new BankFile(
        file,
        [
          `# Test bank of the prompt "${prompt}": \`promptscope test ${prompt} --candidate <version>\` runs every case.`,
          '# Cases added from production keep where they came from (source); their vars are what production saw.',
          `prompt: ${prompt}`,
          'defaults: # merged into every case',
          '  assert: [] # e.g. { type: latency, threshold: 8000 }',
          'cases: []',
          '',
        ].join('\n'),
        false,
      );
    }
    const bank = parseBank(text, file, false);
    if (bank.prompt !== prompt) {
      throw new BankError(`${file}: prompt: is "${bank.prompt}", not "${prompt}"`, { file, field: 'prompt' });
    }
    return new BankFile(file, text, true);
  }

  /** The validated bank as it stands (with the cases added so far). */
  bank(): Bank {
    return parseBank(this.toString(), this.file, false);
  }

  add(c: NewCase): void {
    this.pending.push(c);
  }

  toString(): string {
    if (this.pending.length === 0) return this.original;
    const text = this.original;
    const { doc } = parse(text, this.file);
    const cases = doc.get('cases', true) as (YAMLSeq & { range?: [number, number, number] }) | null | undefined;
    if (isSeq(cases) && !cases.flow && cases.items.length > 0 && cases.range) {
      const at = cases.range[1];
      const indent = cases.range[0] - text.lastIndexOf('\n', cases.range[0] - 1) - 1;
      const head = text.slice(0, at);
      return `${head}${head.endsWith('\n') ? '' : '\n'}${this.items(indent)}${text.slice(at)}`;
    }
    if (isSeq(cases) && cases.items.length === 0 && cases.range) {
      // `cases: []`: drop the empty flow list, keep what follows on its line, put the items below.
      const [from, to] = cases.range;
      const eol = text.indexOf('\n', to);
      const line = eol === -1 ? text.length : eol;
      const rest = `${text.slice(0, from).trimEnd()}${text.slice(to, line)}`;
      return `${rest}\n${this.items(2)}${eol === -1 ? '' : text.slice(eol + 1)}`;
    }
    if (cases !== undefined && cases !== null) {
      throw new BankError(`${this.file}: cases: must be a block list to add to`, { file: this.file, field: 'cases' });
    }
    return `${text}${text.endsWith('\n') ? '' : '\n'}cases:\n${this.items(2)}`;
  }

  /** The new cases as block items, each line indented by `indent`. */
  private items(indent: number): string {
    const doc = new Document(this.pending.map(caseBody));
    for (const node of (doc.contents as YAMLSeq).items) {
      if (!isMap(node)) continue;
      for (const key of ['source', 'tags', 'assert']) {
        const child = node.get(key, true);
        if (isMap(child) || isSeq(child)) child.flow = true;
        if (key === 'assert' && isSeq(child)) child.comment = ' add assertions (the defaults apply meanwhile)';
      }
    }
    const pad = ' '.repeat(indent);
    return doc
      .toString({ lineWidth: 0 })
      .split('\n')
      .map((l) => (l === '' ? l : pad + l))
      .join('\n');
  }

  async save(): Promise<void> {
    const text = this.toString();
    parseBank(text, this.file, false); // never write a bank that does not parse back
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, this.file);
  }
}

function caseBody(c: NewCase): Record<string, unknown> {
  const body: Record<string, unknown> = { id: c.id };
  if (c.description !== undefined) body.description = c.description;
  body.vars = c.vars;
  if (c.tags !== undefined && c.tags.length > 0) body.tags = c.tags;
  body.assert = [];
  if (c.expected !== undefined) body.expected = c.expected;
  if (c.source !== undefined) body.source = c.source;
  return body;
}
