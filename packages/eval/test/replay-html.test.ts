/**
 * The replay HTML report opened from disk in a real headless Chromium (Debian's, driven by playwright-core):
 * what a reader sees, that sorting and filtering work, that production text is shown and never run, and that
 * the page reaches nothing outside its own file.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReplayHtml } from '../src/replay/html.js';
import { buildReport, INSERTED, JAEGER, LONG, NOTICE, XSS } from './replay-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCREENSHOT = join(ROOT, 'test-artifacts', 'replay-report.png');

let browser: Browser | undefined;
let page: Page;
let dir: string | undefined;
const dialogs: string[] = [];
const outside: string[] = [];
const consoleErrors: string[] = [];
const pageErrors: string[] = [];
let started = 0;

const rows = () => page.locator('tbody tr[data-testid="input-row"]');
// Runs in the page: typed structurally, so the test's own type-check needs no DOM library.
const attrs = (els: { getAttribute(name: string): string | null }[], name: string) =>
  els.map((e) => e.getAttribute(name));
const outcomes = () => rows().evaluateAll(attrs, 'data-outcome');
const visibleOutcomes = () =>
  page.locator('tbody tr[data-testid="input-row"]:visible').evaluateAll(attrs, 'data-outcome');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`node scripts/prepare-tests.mjs\` (as root) to install chromium`);
  }
  started = performance.now();
  dir = mkdtempSync(join(tmpdir(), 'promptscope-replay-html-'));
  const file = join(dir, 'replay.html');
  writeFileSync(file, formatReplayHtml(buildReport()));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
});

afterAll(async () => {
  await browser?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  if (started > 0) console.log(`replay-html: browser part took ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

describe('the replay report in Chromium', () => {
  it('renders in standards mode with the production warning on top', async () => {
    expect(await page.evaluate('document.compatMode')).toBe('CSS1Compat');
    const banner = page.getByTestId('notice');
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toContain(NOTICE);
    expect((await banner.boundingBox())?.y).toBe(0);
  });

  it('shows the summary figures', async () => {
    const figure = (id: string) => page.getByTestId(id).textContent();
    expect(await figure('summary-inputs')).toBe('6');
    expect(await figure('summary-improved')).toBe('1');
    expect(await figure('summary-regressed')).toBe('2');
    expect(await figure('summary-unchanged')).toBe('2');
    expect(await figure('summary-errors')).toBe('1');
    expect(await figure('summary-changed')).toBe('3');
    expect(await figure('summary-skipped')).toBe('2');
    expect(await figure('summary-skipped-by')).toContain('output not recorded (streamed): 1');
    expect(await figure('judge-win-rate')).toBe('33.3 %');
    expect(await figure('judge-interval')).toBe('(95 % CI 6.2 % to 79.2 %)');
    expect(await figure('judge-consistency')).toBe('100.0 %');
    expect(await figure('delta-latency-p95-change')).toBe('+66.7 %');
    expect(await figure('delta-error-rate-change')).toBe('-');
    expect(await figure('verdict')).toContain('no new failures: 1 case passes on the baseline');
  });

  it('has one row per input, and the skipped inputs with their reasons', async () => {
    expect(await rows().count()).toBe(6);
    const skipped = page.locator('tr[data-testid="skipped-row"]');
    expect(await skipped.count()).toBe(2);
    expect(await skipped.nth(0).textContent()).toContain('no recorded variables or messages');
    expect(await skipped.nth(0).textContent()).toContain('7'.repeat(16));
  });

  it('marks the inserted word in the candidate column', async () => {
    const row = page.locator('tr[data-id="refund-policy"]');
    expect(await row.locator('[data-testid="candidate-output"] ins', { hasText: INSERTED }).count()).toBe(1);
    expect(await row.locator('[data-testid="baseline-output"] del', { hasText: '14' }).count()).toBe(1);
    expect(await row.locator('[data-testid="baseline-output"] ins').count()).toBe(0);
  });

  it('shows markup from an output as text and runs none of it', async () => {
    const out = page.locator('tr[data-id="xss-echo"] [data-testid="candidate-output"]');
    expect(await out.isVisible()).toBe(true);
    expect(await out.textContent()).toContain(XSS);
    expect(await out.locator('script, img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    expect(dialogs).toEqual([]);
    const long = page.locator('tr[data-id="long-line"] [data-testid="candidate-output"]');
    expect(await long.textContent()).toBe(LONG);
  });

  it('links each row to its traces, and nowhere without a URL', async () => {
    const row = page.locator('tr[data-id="shipping-eu"]');
    expect(await row.locator('a', { hasText: 'production' }).getAttribute('href')).toBe(
      `${JAEGER}/trace/${'2'.repeat(32)}`,
    );
    expect(await row.locator('a', { hasText: 'candidate replay' }).getAttribute('href')).toBe(
      `${JAEGER}/trace/${'b'.repeat(32)}`,
    );
    expect(await page.locator('tr[data-id="long-line"] a', { hasText: 'candidate replay' }).count()).toBe(0);
  });

  it('saves a full-page screenshot', async () => {
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it('sorts by outcome with the regressed rows first, then the other way round', async () => {
    expect((await outcomes()).slice(0, 2)).toEqual(['improved', 'regressed']);
    await page.getByTestId('sort-outcome').click();
    expect(await outcomes()).toEqual(['regressed', 'regressed', 'error', 'improved', 'unchanged', 'unchanged']);
    await page.getByTestId('sort-outcome').click();
    expect((await outcomes()).slice(0, 2)).toEqual(['unchanged', 'unchanged']);
  });

  it('sorts by latency delta, largest increase first, rows without one last', async () => {
    await page.getByTestId('sort-latencyDelta').click();
    const ids = await rows().evaluateAll(attrs, 'data-id');
    expect(ids[0]).toBe('shipping-eu');
    expect(ids.at(-1)).toBe('timeout');
  });

  it('filters by outcome and by judge verdict', async () => {
    await page.getByTestId('filter-outcome').selectOption('regressed');
    expect(await visibleOutcomes()).toEqual(['regressed', 'regressed']);
    expect(await page.getByTestId('rows-shown').textContent()).toBe('2');
    await page.getByTestId('filter-outcome').selectOption('all');
    await page.getByTestId('filter-judge').selectOption('candidate');
    expect(await visibleOutcomes()).toEqual(['improved']);
    await page.getByTestId('filter-judge').selectOption('none');
    expect((await visibleOutcomes()).sort()).toEqual(['error', 'unchanged']);
    await page.getByTestId('filter-judge').selectOption('all');
    expect(await page.getByTestId('rows-shown').textContent()).toBe('6');
  });

  it('made no request outside its file, ran without errors, and fired no dialog', () => {
    expect(outside).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    // A Content-Security-Policy violation (the page's own style or script not matching its hash) lands here.
    expect(consoleErrors).toEqual([]);
  });
});
