/**
 * Reading and editing a bank file. Edits go through the `yaml` Document API, so the comments, order and
 * layout a reviewer wrote survive `bank add`; the file is replaced atomically (write, then rename).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Document, isMap, isSeq, LineCounter, parseDocument, YAMLError } from 'yaml';
import { BankError, describeError } from '../errors.js';
import { type Bank, type CaseSource, validateBank, type Vars } from './model.js';

/** `prompt-tests/<prompt>.yaml` under the bank directory. */
export function bankPath(dir: string, prompt: string): string {
  return join(dir, `${prompt}.yaml`);
}

function parse(text: string, file: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, logLevel: 'silent' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) {
    const pos = problem instanceof YAMLError && problem.linePos ? `:${problem.linePos[0].line}:${problem.linePos[0].col}` : '';
    throw new BankError(`${file}${pos}: not valid YAML: ${problem.message.split('\n')[0]}`, { file });
  }
  return { doc, lines };
}

function locator(doc: Document, lines: LineCounter) {
  return (path: (string | number)[]) => {
    // The deepest node that exists on the path: a missing field points at its parent.
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as { range?: [number, number, number] } | null;
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
 * A bank file open for editing: its text is parsed once, cases are appended to the document (comments
 * kept), and `save()` validates the result before replacing the file.
 */
export class BankFile {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    readonly existed: boolean,
  ) {}

  static async open(file: string, prompt: string): Promise<BankFile> {
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new BankError(`${file}: cannot read: ${describeError(err)}`, { file });
    }
    if (text === undefined) {
      const { doc } = parse(
        [
          `# Test bank of the prompt "${prompt}": \`promptscope test ${prompt} --candidate <version>\` runs every case.`,
          '# Cases added from production keep where they came from (source); their vars are what production saw.',
          `prompt: ${prompt}`,
          'defaults: # merged into every case',
          '  assert: [] # e.g. { type: latency, threshold: 8000 }',
          'cases: []',
          '',
        ].join('\n'),
        file,
      );
      return new BankFile(file, doc, false);
    }
    const bank = parseBank(text, file, false);
    if (bank.prompt !== prompt) {
      throw new BankError(`${file}: prompt: is "${bank.prompt}", not "${prompt}"`, { file, field: 'prompt' });
    }
    return new BankFile(file, parse(text, file).doc, true);
  }

  /** The validated bank as it stands (with the cases added so far). */
  bank(): Bank {
    return parseBank(this.doc.toString(), this.file, false);
  }

  add(c: NewCase): void {
    let cases = this.doc.get('cases', true);
    if (!isSeq(cases)) {
      this.doc.set('cases', this.doc.createNode([]));
      cases = this.doc.get('cases', true);
    }
    if (!isSeq(cases)) throw new BankError(`${this.file}: cases: must be a list`, { file: this.file, field: 'cases' });
    // An empty flow list (`cases: []`) would keep new items on one line: switch it to block style.
    cases.flow = false;
    const body: Record<string, unknown> = { id: c.id };
    if (c.description !== undefined) body.description = c.description;
    body.vars = c.vars;
    if (c.tags !== undefined && c.tags.length > 0) body.tags = c.tags;
    body.assert = [];
    if (c.expected !== undefined) body.expected = c.expected;
    if (c.source !== undefined) body.source = c.source;
    const node = this.doc.createNode(body);
    if (isMap(node)) {
      const source = node.get('source', true);
      if (isMap(source)) source.flow = true;
      const tags = node.get('tags', true);
      if (isSeq(tags)) tags.flow = true;
      const assert = node.get('assert', true);
      if (isSeq(assert)) {
        assert.flow = true;
        assert.comment = ' add assertions (the defaults apply meanwhile)';
      }
    }
    cases.items.push(node);
  }

  async save(): Promise<void> {
    const text = this.doc.toString();
    parseBank(text, this.file, false); // never write a bank that does not parse back
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, this.file);
  }
}
