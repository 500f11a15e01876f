/** The replay HTML as a string, without a browser: the warning comment, no outside URLs, escaping, the diff. */
import { describe, expect, it } from 'vitest';
import { diffSides, escapeHtml, formatReplayHtml } from '../src/replay/html.js';
import { buildReport, INSERTED, JAEGER, NOTICE, XSS } from './replay-fixture.js';

describe('formatReplayHtml', () => {
  it('opens with a comment warning of production content, before the doctype', () => {
    const lines = formatReplayHtml(buildReport()).split('\n');
    expect(lines[0]).toMatch(/^<!-- promptscope replay report: holds production content\b.* -->$/);
    expect(lines[0]).toContain(NOTICE.replace(/--+/g, '-'));
    expect(lines[1]).toBe('<!doctype html>');
  });

  it('keeps the comment closed whatever the notice says', () => {
    const report = { ...buildReport(), notice: 'careful --> <script>alert(3)</script> <!-- x' };
    const first = formatReplayHtml(report).split('\n')[0] as string;
    expect(first.indexOf('-->')).toBe(first.length - 3);
    expect(first).not.toContain('<script');
    expect(first).not.toContain('<!-- x');
  });

  it('holds no http(s) URL but the Jaeger links the report gives', () => {
    const html = formatReplayHtml(buildReport());
    expect(html).toContain(`href="${JAEGER}/trace/${'1'.repeat(32)}"`);
    expect(html).toContain(`href="${JAEGER}/trace/${'b'.repeat(32)}"`);
    const rest = html.split(JAEGER).join('');
    expect(rest.match(/https?:\/\//g)).toBeNull();
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/<[a-z]+[^>]*\ssrc=/i);
  });

  it('escapes outputs: the only script element is its own', () => {
    const html = formatReplayHtml(buildReport());
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain(escapeHtml(XSS));
    expect(html).not.toMatch(/<img\b/i);
    expect(html).toContain("script-src 'sha256-");
    expect(html).toContain("default-src 'none'");
  });

  it('links nothing that is not a web URL', () => {
    const report = buildReport();
    (report.inputs[0] as (typeof report.inputs)[number]).production.url = 'javascript:alert(1)';
    delete report.jaegerUrl;
    const html = formatReplayHtml(report);
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('<a ');
  });

  it('marks the words each side has alone', () => {
    const d = diffSides('return items within 14 days', `return ${INSERTED} items within 30 days`);
    expect(d.candidate).toContain(`<ins>${INSERTED} </ins>`);
    expect(d.candidate).toContain('<ins>30</ins>');
    expect(d.baseline).toContain('<del>14</del>');
    expect(d.baseline).not.toContain('<ins>');
    expect(diffSides('<b>', '<i>').candidate).toBe('&lt;<ins>i</ins>&gt;');
  });
});
