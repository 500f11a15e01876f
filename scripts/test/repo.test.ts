// The repository stands alone and keeps its shape: every relative link in its Markdown resolves to a file
// in it, nothing outside the tests points at files beyond it, and the package graph keeps its layers.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packages, violations } from '../package-graph.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The repository's files: git's list in a checkout, else a walk that skips what installs and builds make. */
function repoFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .filter((f) => f !== '' && existsSync(join(ROOT, f)));
  } catch {
    const skip = new Set(['node_modules', 'dist', '.git', '.runtimes', 'test-artifacts', '.cache']);
    const walk = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
        skip.has(e.name) ? [] : e.isDirectory() ? walk(join(dir, e.name)) : [normalize(join(dir, e.name))],
      );
    return walk('.');
  }
}
const FILES = repoFiles();
const tracked = (glob: '*.md' | '*') => FILES.filter((f) => glob === '*' || f.endsWith('.md'));

/** Relative link targets of a Markdown text (inline links and images; code spans and blocks left out). */
function links(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^(https?:|mailto:|#)/.test(t));
}

describe('the repository stands alone', () => {
  const docs = tracked('*.md').filter((f) => !f.includes('node_modules/'));

  it('finds the Markdown it checks', () => {
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'packages/core/README.md']));
  });

  it('every relative link in its Markdown resolves to a file in the repository', () => {
    const broken: string[] = [];
    for (const file of docs) {
      for (const target of links(readFileSync(join(ROOT, file), 'utf8'))) {
        const path = normalize(join(dirname(file), decodeURIComponent(target.split('#')[0])));
        if (path.startsWith('..') || !existsSync(join(ROOT, path))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('nothing but the tests that replay the corpus refers to ../shared', () => {
    const outside = tracked('*')
      .filter((f) => /\.(ts|mts|mjs|cjs|js|md|ya?ml|json|sh)$/.test(f) && !f.endsWith('package-lock.json'))
      .filter((f) => !/\/test\//.test(`/${f}`))
      .filter((f) => f !== relative(ROOT, fileURLToPath(import.meta.url)))
      .filter((f) => /\.\.\/shared\b/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(outside).toEqual([]);
  });
});

describe('the package graph', () => {
  it('keeps every dependency pointing to a lower layer', () => {
    const list = packages();
    expect(list.map((p) => p.name)).toContain('@promptscope/core');
    expect(violations(list)).toEqual([]);
  });

  it('reports a dependency that goes up or sideways, and an unlayered package', () => {
    const list = packages().map((p) =>
      p.name === '@promptscope/core' ? { ...p, deps: ['@promptscope/feedback'] } : p,
    );
    expect(violations(list)).toEqual([
      expect.stringMatching(/^@promptscope\/core \(layer 0\) depends on @promptscope\/feedback \(layer 1\)/),
    ]);
    expect(violations([...list.slice(1), { ...list[0], name: '@promptscope/new' }])).toEqual([
      expect.stringMatching(/^@promptscope\/new .* has no layer/),
    ]);
  });

  it('every published package has a README that names it', () => {
    for (const p of packages().filter((p) => !p.private)) {
      const readme = join(ROOT, p.dir, 'README.md');
      expect(existsSync(readme), `${p.dir}/README.md`).toBe(true);
      expect(readFileSync(readme, 'utf8').split('\n')[0], p.dir).toContain(p.name);
    }
  });
});

describe('the provider contract', () => {
  // Each family of @promptscope/testing/contract, and the test file that runs it for a provider.
  const FAMILIES: Record<string, string> = {
    'behaviour.test.ts': 'describeSameBehaviour',
    'exit-paths.test.ts': 'describeExitPaths',
    'bad-input.test.ts': 'describeBadInput',
    'privacy.test.ts': 'describePrivacy',
  };
  // Replaying real recorded responses needs recordings; only these providers have them.
  const RECORDED = new Set(['@promptscope/instrumentation-openai', '@promptscope/instrumentation-anthropic']);
  const providers = packages().filter((p) => p.name.startsWith('@promptscope/instrumentation-'));

  it('finds the provider packages', () => {
    expect(providers.map((p) => p.name)).toEqual(
      expect.arrayContaining(['@promptscope/instrumentation-openai', '@promptscope/instrumentation-anthropic']),
    );
  });

  it('every provider package runs every family of the contract suite with its adapter', () => {
    for (const p of providers) {
      const families = RECORDED.has(p.name) ? { ...FAMILIES, 'corpus.test.ts': 'describeCorpusReplay' } : FAMILIES;
      for (const [file, family] of Object.entries(families)) {
        const path = join(ROOT, p.dir, 'test', file);
        expect(existsSync(path), `${p.dir}/test/${file}`).toBe(true);
        expect(readFileSync(path, 'utf8'), `${p.dir}/test/${file} calls ${family}`).toMatch(
          new RegExp(`\\b${family}\\(\\s*\\w+Adapter\\b`),
        );
      }
    }
  });
});
