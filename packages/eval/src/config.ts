/**
 * `promptscope.config.yaml`: defaults for `promptscope test` and which labels promotion gates. Flags win
 * over the file, the file over the defaults. Unknown keys are refused, naming the file and the field.
 *
 *   test:
 *     bank: prompt-tests            # folder of <prompt>.yaml banks
 *     reports: prompt-tests/.reports
 *     minPassRate: 0.95
 *     maxNewFailures: 0
 *     maxCostIncrease: 10%
 *     maxLatencyIncrease: 20%
 *     repeat: 3
 *     minPass: 2
 *     concurrency: 4
 *     judge: { provider: openai, model: gpt-4o-mini }
 *     embeddingModel: text-embedding-3-small
 *   promote:
 *     gated: [production]           # labels that need a passing report (default: production)
 */
import { readFile } from 'node:fs/promises';
import { isRecord } from '@promptscope/core/provider';
import { PROVIDERS, type PromptProvider } from '@promptscope/prompts';
import { parseDocument } from 'yaml';
import type { JudgeSettings } from './assert/judge.js';
import { BankError } from './errors.js';
import { parseFraction } from './policy.js';

export const CONFIG_FILE = 'promptscope.config.yaml';
export const DEFAULT_BANK_DIR = 'prompt-tests';
export const DEFAULT_REPORTS_DIR = 'prompt-tests/.reports';
export const DEFAULT_GATED_LABELS = ['production'];

export interface TestConfig {
  bank?: string;
  reports?: string;
  minPassRate?: number;
  maxNewFailures?: number;
  maxCostIncrease?: number;
  maxLatencyIncrease?: number;
  repeat?: number;
  minPass?: number;
  concurrency?: number;
  judge?: JudgeSettings;
  embeddingModel?: string;
}

export interface Config {
  file?: string;
  test: TestConfig;
  promote: { gated: string[] };
}

/** Reads the config file; a missing file (when not asked for explicitly) is the defaults. */
export async function loadConfig(file: string, required = false): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required)
      return { test: {}, promote: { gated: DEFAULT_GATED_LABELS } };
    throw new BankError(`${file}: cannot read the config: ${(err as Error).message}`, { file });
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new BankError(`${file}: not valid YAML: ${doc.errors[0]?.message}`, { file });
  return parseConfig(doc.toJS() ?? {}, file);
}

export function parseConfig(raw: unknown, file: string): Config {
  const fail = (field: string, what: string): never => {
    throw new BankError(`${file}: ${field}: ${what}`, { file, field });
  };
  if (!isRecord(raw)) fail('(top)', 'expected a mapping with test: and promote:');
  const top = raw as Record<string, unknown>;
  for (const k of Object.keys(top))
    if (k !== 'test' && k !== 'promote') fail(k, 'unknown section (allowed: test, promote)');
  const t = top.test ?? {};
  if (!isRecord(t)) fail('test', 'must be a mapping');
  const test: TestConfig = {};
  const str = (k: string) => {
    const v = (t as Record<string, unknown>)[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') fail(`test.${k}`, 'must be a string');
    return v as string;
  };
  const int = (k: string, min: number) => {
    const v = (t as Record<string, unknown>)[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(`test.${k}`, `must be a whole number >= ${min}`);
    return v as number;
  };
  const frac = (k: string) => {
    const v = (t as Record<string, unknown>)[k];
    if (v === undefined) return undefined;
    try {
      return parseFraction(v, `test.${k}`);
    } catch (err) {
      return fail(`test.${k}`, (err as Error).message);
    }
  };
  const known = [
    'bank',
    'reports',
    'minPassRate',
    'maxNewFailures',
    'maxCostIncrease',
    'maxLatencyIncrease',
    'repeat',
    'minPass',
    'concurrency',
    'judge',
    'embeddingModel',
  ];
  for (const k of Object.keys(t))
    if (!known.includes(k)) fail(`test.${k}`, `unknown setting (allowed: ${known.join(', ')})`);
  const set = <K extends keyof TestConfig>(k: K, v: TestConfig[K] | undefined) => {
    if (v !== undefined) test[k] = v;
  };
  set('bank', str('bank'));
  set('reports', str('reports'));
  const minPassRate = frac('minPassRate');
  if (minPassRate !== undefined && minPassRate > 1) fail('test.minPassRate', 'must be at most 1 (100%)');
  set('minPassRate', minPassRate);
  set('maxNewFailures', int('maxNewFailures', 0));
  set('maxCostIncrease', frac('maxCostIncrease'));
  set('maxLatencyIncrease', frac('maxLatencyIncrease'));
  set('repeat', int('repeat', 1));
  set('minPass', int('minPass', 1));
  set('concurrency', int('concurrency', 1));
  set('embeddingModel', str('embeddingModel'));
  const judge = (t as Record<string, unknown>).judge;
  if (judge !== undefined) {
    if (!isRecord(judge) || typeof judge.model !== 'string') fail('test.judge', 'must be { model, provider? }');
    const j = judge as Record<string, unknown>;
    const provider = (j.provider ?? (/^claude/i.test(j.model as string) ? 'anthropic' : 'openai')) as PromptProvider;
    if (!PROVIDERS.includes(provider)) fail('test.judge.provider', `one of ${PROVIDERS.join(', ')}`);
    test.judge = { model: j.model as string, provider };
  }
  const p = top.promote ?? {};
  if (!isRecord(p)) fail('promote', 'must be a mapping');
  for (const k of Object.keys(p)) if (k !== 'gated') fail(`promote.${k}`, 'unknown setting (allowed: gated)');
  const gated = (p as Record<string, unknown>).gated ?? DEFAULT_GATED_LABELS;
  if (!Array.isArray(gated) || gated.some((g) => typeof g !== 'string'))
    fail('promote.gated', 'must be a list of labels, e.g. [production, staging]');
  return { file, test, promote: { gated: gated as string[] } };
}
