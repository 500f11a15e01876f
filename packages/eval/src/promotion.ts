/**
 * Promotion is gated: moving a gated label (default `production`) to a version of a prompt that has a bank
 * needs a passing report for that version's exact sha256, covering the whole bank, made with the version's
 * own provider and model. `--force --reason` overrides, and the change log records it.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPORT_SCHEMA, type Report } from './report/types.js';

/** Writes `<dir>/<prompt>/<sha256 prefix>-<run id>.json` and returns its path. */
export async function saveReport(dir: string, report: Report): Promise<string> {
  const folder = join(dir, report.prompt);
  await mkdir(folder, { recursive: true });
  const name = `${report.candidate.file !== undefined ? 'draft' : `v${report.candidate.version}`}-${report.candidate.sha256.slice(0, 12)}-${report.runId.replace(/[^A-Za-z0-9_.+-]/g, '_').slice(0, 80)}.json`;
  const file = join(folder, name);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(tmp, file);
  return file;
}

export interface ReportCheck {
  /** The newest passing report, when there is one. */
  passing?: { file: string; report: Report };
  /** Why the other reports for this prompt do not count, for the refusal message. */
  rejected: string[];
}

/** Looks through `<dir>/<prompt>/*.json` for a passing report of exactly `sha256`. */
export async function findPassingReport(dir: string, prompt: string, sha256: string): Promise<ReportCheck> {
  const folder = join(dir, prompt);
  let names: string[] = [];
  try {
    names = (await readdir(folder)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return { rejected: [] };
  }
  const rejected: string[] = [];
  let passing: ReportCheck['passing'];
  for (const name of names) {
    const file = join(folder, name);
    let r: Report;
    try {
      r = JSON.parse(await readFile(file, 'utf8')) as Report;
    } catch {
      rejected.push(`${name}: not JSON`);
      continue;
    }
    const why =
      r.schema !== REPORT_SCHEMA
        ? 'not a test report'
        : r.candidate?.sha256 !== sha256
          ? `for another file (sha256 ${String(r.candidate?.sha256).slice(0, 12)})`
          : r.shard !== undefined
            ? `shard ${r.shard.index}/${r.shard.total} only: merge the shards (promptscope test merge)`
            : r.candidate.overridden !== undefined
              ? `made on another model/provider (${JSON.stringify(r.candidate.overridden)})`
              : !r.verdict?.pass
                ? `the gate failed (${r.verdict?.passed} passed, ${r.verdict?.failed} failed)`
                : undefined;
    if (why !== undefined) {
      rejected.push(`${name}: ${why}`);
      continue;
    }
    if (passing === undefined || r.finishedAt > passing.report.finishedAt) passing = { file, report: r };
  }
  return passing !== undefined ? { passing, rejected } : { rejected };
}
