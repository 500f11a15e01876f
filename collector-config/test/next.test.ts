// The next step after the native stack's durable defaults, as configs the real binaries accept: Jaeger v2 on
// Elasticsearch, OpenSearch or Cassandra (`jaeger validate`), gateways remote-writing to a horizontally scalable store
// (the collector's `validate`), Prometheus forwarding to one (`promtool check config`). None of those stores can be
// installed here, so these are validated, not run (collector-config/README.md says so). Each check is shown to fail
// on a broken copy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildJaeger } from '../../stack/build-jaeger.mjs';
import { buildCollector, CONFIGS } from '../build.mjs';

const next = fileURLToPath(new URL('../next/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'promptscope-next-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (bin: string, args: string[]) => {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
};
const broken = (file: string, from: string, to: string) => {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  const out = join(tmp, `broken-${readdirSync(tmp).length}-${file.split('/').at(-1)}`);
  writeFileSync(out, text.replace(from, to));
  return out;
};

describe('Jaeger v2 on a shared store', () => {
  let jaeger: string;
  beforeAll(async () => {
    jaeger = await buildJaeger({ log: () => {} });
  }, 30 * 60_000);

  for (const store of ['elasticsearch', 'opensearch', 'cassandra']) {
    it(`jaeger-${store}.yaml passes jaeger validate; a copy with an unknown ${store} key fails`, () => {
      const file = join(next, `jaeger-${store}.yaml`);
      const ok = run(jaeger, ['validate', `--config=${file}`]);
      expect(ok.code, ok.output).toBe(0);
      const bad = run(jaeger, [
        'validate',
        `--config=${broken(file, `        ${store}:\n`, `        ${store}:\n          shardz: 3\n`)}`,
      ]);
      expect(bad.code).not.toBe(0);
      expect(bad.output).toMatch(/shardz/);
    });
  }
});

describe('metrics to a horizontally scalable store', () => {
  it(
    'gateway.yaml + next/gateway.remote-store.yaml passes validate; a pipeline naming a missing exporter fails',
    async () => {
      const bin = (await buildCollector({ log: () => true })) as string;
      const overlay = join(next, 'gateway.remote-store.yaml');
      const ok = run(bin, ['validate', `--config=${CONFIGS.gateway}`, `--config=${overlay}`]);
      expect(ok.code, ok.output).toBe(0);
      const bad = run(bin, [
        'validate',
        `--config=${CONFIGS.gateway}`,
        `--config=${broken(overlay, 'prometheus_remote_write/store]', 'prometheus_remote_write/stor]')}`,
      ]);
      expect(bad.code).not.toBe(0);
      expect(bad.output).toMatch(/prometheus_remote_write\/stor/);
    },
    30 * 60_000,
  );

  it.skipIf(spawnSync('promtool', ['--version']).status !== 0)(
    'next/prometheus-remote-write.yml passes promtool check config; a bad remote_write key fails',
    () => {
      const file = join(next, 'prometheus-remote-write.yml');
      const ok = run('promtool', ['check', 'config', file]);
      expect(ok.code, ok.output).toBe(0);
      const bad = run('promtool', ['check', 'config', broken(file, 'max_shards:', 'max_shardz:')]);
      expect(bad.code).not.toBe(0);
      expect(bad.output).toMatch(/max_shardz/);
    },
  );

  it('every file in next/ is checked here', () => {
    const text = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    for (const f of readdirSync(next)) {
      const stem = f.replace(/^jaeger-(\w+)\.yaml$/, '$1');
      expect(text.includes(f) || text.includes(`'${stem}'`), f).toBe(true);
    }
    expect(existsSync(join(next, 'jaeger-cassandra.yaml'))).toBe(true);
  });
});
