import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ChangeEntry, entry, labelStack, parseChangelog, type WriteOptions } from './changelog.js';
import { describe, PromptError } from './errors.js';
import { formatLabels, type Labels, parseLabels } from './labels.js';
import { buildYaml, type NewVersionInput } from './new-version.js';
import { listPromptFolders } from './sources.js';
import { checkLabel, checkName, type PromptSpec, parseSpec, parseVersion, sha256, versionFileName } from './spec.js';

export interface VersionFile {
  name: string;
  version: number;
  file: string;
  bytes: Buffer;
  sha256: string;
  spec: PromptSpec;
}

export interface PromptSummary {
  name: string;
  versions: number[];
  labels: Labels;
}

const RESERVED = new Set(['latest']);

/**
 * The registry on disk, as the CLI edits it. Version files are written once (`wx`) and never touched
 * again; labels.json is replaced atomically (write, then rename) so a watching app never reads half a file;
 * the change log is only appended to.
 */
export class Registry {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private folder(name: string): string {
    return join(this.root, checkName(name));
  }

  async names(): Promise<string[]> {
    return listPromptFolders(this.root);
  }

  private async requirePrompt(name: string): Promise<void> {
    const known = await this.names();
    if (!known.includes(name)) {
      throw new PromptError(
        'unknown_prompt',
        `unknown prompt "${name}" in ${this.root}; known prompts: ${known.length > 0 ? known.join(', ') : 'none'}`,
        { prompt: name },
      );
    }
  }

  async labels(name: string): Promise<Labels> {
    const file = join(this.folder(name), 'labels.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') await this.requirePrompt(name);
      throw new PromptError('unreachable', `cannot read ${file}: ${describe(err)}`, { prompt: name, location: file });
    }
    return parseLabels(text, file);
  }

  async versions(name: string): Promise<number[]> {
    let files: string[];
    try {
      files = await readdir(this.folder(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return files
      .map((f) => /^v([1-9][0-9]*)\.yaml$/.exec(f)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async list(): Promise<PromptSummary[]> {
    const out: PromptSummary[] = [];
    for (const name of await this.names()) {
      out.push({ name, versions: await this.versions(name), labels: await this.labels(name) });
    }
    return out;
  }

  /** Reads and parses a version file; with `check`, verifies it against every label that points at it. */
  async read(name: string, version: number, check = true): Promise<VersionFile> {
    const file = join(this.folder(name), versionFileName(version));
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        await this.requirePrompt(name);
        const have = await this.versions(name);
        throw new PromptError(
          'unknown_version',
          `prompt "${name}" has no version ${version}; versions: ${have.length > 0 ? have.map((v) => `v${v}`).join(', ') : 'none'}`,
          { prompt: name, location: file },
        );
      }
      throw new PromptError('unreachable', `cannot read ${file}: ${describe(err)}`, { prompt: name, location: file });
    }
    const actual = sha256(bytes);
    if (check) {
      const labels = await this.labels(name).catch(() => ({}) as Labels);
      for (const [label, p] of Object.entries(labels)) {
        if (p.version === version && p.sha256 !== actual) {
          throw new PromptError(
            'sha256_mismatch',
            `${file} was changed after it was labelled: label "${label}" recorded sha256 ${p.sha256}, the file has ${actual}`,
            { prompt: name, location: file },
          );
        }
      }
    }
    return { name, version, file, bytes, sha256: actual, spec: parseSpec(bytes, file, { name, version }) };
  }

  /** A version number, `v3`, or a label name, to a version number. */
  async resolve(name: string, ref: string): Promise<number> {
    if (/^v?[0-9]+$/i.test(ref)) return parseVersion(ref);
    const labels = await this.labels(name);
    const p = labels[ref];
    if (p === undefined) {
      throw new PromptError(
        'unknown_label',
        `prompt "${name}" has no label "${ref}"; its labels: ${Object.keys(labels).sort().join(', ') || 'none'}`,
        { prompt: name },
      );
    }
    return p.version;
  }

  async history(name: string): Promise<ChangeEntry[]> {
    const file = join(this.folder(name), 'changelog.jsonl');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        await this.requirePrompt(name);
        return [];
      }
      throw err;
    }
    return parseChangelog(text, file, name);
  }

  private async append(name: string, entry: ChangeEntry): Promise<void> {
    await appendFile(join(this.folder(name), 'changelog.jsonl'), `${JSON.stringify(entry)}\n`, { flag: 'a' });
  }

  private async writeLabels(name: string, labels: Labels): Promise<void> {
    const file = join(this.folder(name), 'labels.json');
    const tmp = join(this.folder(name), `.labels.json.${process.pid}.${Date.now()}.tmp`);
    await writeFile(tmp, formatLabels(labels));
    await rename(tmp, file);
  }

  /** Writes v(N+1) (never overwriting), points `latest` at it, logs `new`. */
  async create(name: string, input: NewVersionInput, opts: WriteOptions = {}): Promise<VersionFile> {
    checkName(name);
    const folder = this.folder(name);
    await mkdir(folder, { recursive: true });
    const existing = await this.versions(name);
    const version = (existing.at(-1) ?? 0) + 1;
    const text = buildYaml(name, version, input);
    const file = join(folder, versionFileName(version));
    // Validate before writing: a registry never holds a version the client would refuse.
    const spec = parseSpec(text, file, { name, version });
    try {
      await writeFile(file, text, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new PromptError(
          'refused',
          `${file} already exists: versions are immutable (another writer was faster?)`,
          {
            prompt: name,
            location: file,
          },
        );
      }
      throw err;
    }
    const digest = sha256(text);
    let labels: Labels = {};
    try {
      labels = await this.labels(name);
    } catch (err) {
      if (!(err instanceof PromptError) || (err.code !== 'unknown_prompt' && err.code !== 'unreachable')) throw err;
    }
    const from = labels.latest?.version;
    labels.latest = { version, sha256: digest };
    await this.writeLabels(name, labels);
    await this.append(name, entry('new', 'latest', from, version, digest, opts));
    return { name, version, file, bytes: Buffer.from(text), sha256: digest, spec };
  }

  /** Points `label` at `version` (after checking the file), logs `promote`. */
  async promote(name: string, version: number, label: string, opts: WriteOptions = {}): Promise<ChangeEntry> {
    checkLabel(label);
    if (RESERVED.has(label)) {
      throw new PromptError('refused', `"${label}" is maintained by \`prompt new\`; promote to another label`, {
        prompt: name,
      });
    }
    return this.move(name, version, label, 'promote', opts);
  }

  /**
   * Moves `label` back: to `to` when given, else to the version it pointed at before its current one,
   * from the change log (a rollback pops; rolling back twice goes two steps back).
   */
  async rollback(name: string, label = 'production', opts: WriteOptions & { to?: number } = {}): Promise<ChangeEntry> {
    checkLabel(label);
    const labels = await this.labels(name);
    const current = labels[label];
    if (current === undefined) {
      throw new PromptError(
        'unknown_label',
        `prompt "${name}" has no label "${label}" to roll back; its labels: ${Object.keys(labels).sort().join(', ') || 'none'}`,
        { prompt: name },
      );
    }
    let target = opts.to;
    let recorded: string | undefined;
    if (target === undefined) {
      const stack = labelStack(await this.history(name), label);
      if (stack.at(-1)?.version !== current.version) stack.push(current);
      stack.pop();
      const previous = stack.at(-1);
      if (previous === undefined) {
        throw new PromptError(
          'refused',
          `no earlier version of "${name}" is recorded for label "${label}" (it points at v${current.version}); use \`promptscope prompt rollback ${name} --to <version>\` or \`promote\``,
          { prompt: name },
        );
      }
      target = previous.version;
      recorded = previous.sha256;
    }
    if (target === current.version) {
      throw new PromptError('refused', `label "${label}" of "${name}" already points at v${target}`, { prompt: name });
    }
    const file = await this.read(name, target, false);
    if (recorded !== undefined && recorded !== file.sha256) {
      throw new PromptError(
        'sha256_mismatch',
        `${file.file} changed since it was labelled "${label}" (recorded sha256 ${recorded}, the file has ${file.sha256}); refusing to roll back to it`,
        { prompt: name, location: file.file },
      );
    }
    return this.move(name, target, label, 'rollback', opts);
  }

  private async move(
    name: string,
    version: number,
    label: string,
    action: 'promote' | 'rollback',
    opts: WriteOptions,
  ): Promise<ChangeEntry> {
    const labels = await this.labels(name);
    const file = await this.read(name, version, true);
    const from = labels[label]?.version;
    labels[label] = { version, sha256: file.sha256 };
    await this.writeLabels(name, labels);
    const e = entry(action, label, from, version, file.sha256, opts);
    await this.append(name, e);
    return e;
  }
}
