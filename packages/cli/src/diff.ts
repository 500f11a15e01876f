/**
 * A line diff (longest common subsequence), printed unified-style with a few lines of context.
 * Prompt files are small; inputs past `MAX_CELLS` fall back to "all removed, all added".
 */
const MAX_CELLS = 4_000_000;

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

export function diffLines(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) {
    return [...a.map((text) => ({ op: '-' as const, text })), ...b.map((text) => ({ op: '+' as const, text }))];
  }
  // lcs[i][j]: LCS length of a[i..] and b[j..], as one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        a[i] === b[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i] });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
      out.push({ op: '-', text: a[i++] });
    } else {
      out.push({ op: '+', text: b[j++] });
    }
  }
  while (i < n) out.push({ op: '-', text: a[i++] });
  while (j < m) out.push({ op: '+', text: b[j++] });
  return out;
}

/** Unified-style text: `--- a`, `+++ b`, then changed lines with `context` lines around them. */
export function formatDiff(lines: DiffLine[], from: string, to: string, context = 3): string {
  if (lines.every((l) => l.op === ' ')) return '';
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, k) => {
    if (l.op === ' ') return;
    for (let x = Math.max(0, k - context); x <= Math.min(lines.length - 1, k + context); x++) keep[x] = true;
  });
  let out = `--- ${from}\n+++ ${to}\n`;
  let skipped = false;
  lines.forEach((l, k) => {
    if (!keep[k]) {
      skipped = true;
      return;
    }
    if (skipped) out += '@@\n';
    skipped = false;
    out += `${l.op}${l.text}\n`;
  });
  return out;
}

export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
