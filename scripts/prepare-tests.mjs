#!/usr/bin/env node
// Everything the tests need beyond npm packages, installed or built once and then reused:
// Debian's prometheus, prometheus-alertmanager (promtool, amtool) and docker-compose (compose validation),
// and the Go builds of the slim collector, Jaeger v2 and telemetrygen (the collector bench's load), cached under
// ~/.cache/promptscope/bin.
// A warm run only checks that each is there. Installing Debian packages needs root (as in CI).
import { spawnSync } from 'node:child_process';
import { TELEMETRYGEN } from '../bench/collector.mjs';
import { buildCollector } from '../collector-config/build.mjs';
import { buildJaeger } from '../stack/build-jaeger.mjs';
import { buildGoTool } from '../stack/lib/go-tool.mjs';
import { ensureBackends, which } from '../stack/lib/install.mjs';

const log = (line) => console.log(`prepare-tests: ${line}`);

async function step(name, fn) {
  const t = performance.now();
  await fn();
  log(`${name} ready (${((performance.now() - t) / 1000).toFixed(1)} s)`);
}

function ensureDockerCompose() {
  if (which('docker-compose')) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      'docker-compose is not installed; run as root: apt-get update && apt-get install -y docker-compose',
    );
  }
  log('installing docker-compose with apt-get (used only to validate docker-compose.yml)');
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'docker-compose'],
  ]) {
    const r = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with exit code ${r.status}`);
  }
}

// The replay HTML report's browser test drives Debian's chromium through playwright-core (no browser download).
function ensureChromium() {
  if (which('chromium')) return;
  if (process.getuid?.() !== 0) {
    throw new Error('chromium is not installed; run as root: apt-get update && apt-get install -y chromium');
  }
  log('installing chromium with apt-get (the replay HTML report is checked in it, headless)');
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
  ]) {
    const r = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with exit code ${r.status}`);
  }
}

try {
  await step('prometheus, alertmanager', () => ensureBackends({ log }));
  await step('docker-compose', ensureDockerCompose);
  await step('chromium', ensureChromium);
  // Sequential on purpose: two Go builds at once on two cores are slower than one after the other.
  await step('collector', () => buildCollector({ log }));
  await step('jaeger', () => buildJaeger({ log }));
  await step('telemetrygen', () => buildGoTool(TELEMETRYGEN, { log }));
} catch (err) {
  console.error(`prepare-tests: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
