/**
 * The response cache on disk: a CI re-run of unchanged cases costs nothing. Keyed by everything that makes
 * a response (provider, model, parameters, messages) plus the repeat index, so `--repeat 3` stays three
 * independent samples, and a re-run of repeat 2 gets repeat 2's answer. Errors are never cached.
 * One JSON file per entry, written atomically; an unreadable entry is a miss.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../bank/ids.js';

/** `$PROMPTSCOPE_CACHE_DIR/responses`, default `~/.cache/promptscope/responses`. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.PROMPTSCOPE_CACHE_DIR || join(homedir(), '.cache', 'promptscope'), 'responses');
}

export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

export class ResponseCache {
  hits = 0;
  misses = 0;

  constructor(readonly dir: string | undefined) {}

  private path(key: string): string {
    return join(this.dir as string, key.slice(0, 2), `${key}.json`);
  }

  async get<T>(key: string): Promise<T | undefined> {
    if (this.dir === undefined) return undefined;
    try {
      const entry = JSON.parse(await readFile(this.path(key), 'utf8')) as { key: string; value: T };
      if (entry.key === key) {
        this.hits++;
        return entry.value;
      }
    } catch {
      // missing or unreadable: a miss
    }
    this.misses++;
    return undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    if (this.dir === undefined) return;
    const file = this.path(key);
    try {
      await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(tmp, JSON.stringify({ key, at: new Date().toISOString(), value }));
      await rename(tmp, file);
    } catch {
      // A cache that cannot be written only costs money next time; the run goes on.
    }
  }
}
