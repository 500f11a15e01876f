/**
 * The collector's replay file (`collector.replay.yaml`: the `file` exporter, format json): one OTLP/JSON
 * ExportTraceServiceRequest per line, rotated into `<name>-<timestamp><ext>` backups beside it. Read whole
 * and flattened to {@link CapturedSpan}s; a line that does not parse (a write cut short) is counted, not fatal.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ATTR } from '@promptscope/core';
import { BankError, describeError } from '../errors.js';
import type { AttrValue, CapturedSpan } from './spans.js';

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: KeyValue[];
  status?: { code?: number | string; message?: string };
}
interface OtlpRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

function value(v: AnyValue | undefined): AttrValue | undefined {
  if (v === undefined) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) {
    return (v.arrayValue.values ?? [])
      .map(value)
      .filter((x): x is string | number | boolean => x !== undefined && !Array.isArray(x));
  }
  return undefined;
}

function attributes(list: KeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list ?? []) {
    const v = value(kv.value);
    if (v !== undefined) out[kv.key] = v;
  }
  return out;
}

/** OTLP/JSON ids are hex; some writers use base64 (the protobuf JSON mapping). */
function hexId(id: string, bytes: number): string {
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(id)) return id.toLowerCase();
  const buf = Buffer.from(id, 'base64');
  return buf.length === bytes ? buf.toString('hex') : id;
}

const nanosToMs = (n: string | number | undefined) => (n === undefined ? 0 : Number(BigInt(n) / 1000n) / 1000);

/** Spans of one OTLP/JSON export request. */
export function spansOfRequest(req: OtlpRequest): CapturedSpan[] {
  const out: CapturedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const service = attributes(rs.resource?.attributes)['service.name'];
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const start = nanosToMs(s.startTimeUnixNano);
        const span: CapturedSpan = {
          traceId: hexId(s.traceId, 16),
          spanId: hexId(s.spanId, 8),
          name: s.name,
          startMs: start,
          durationMs: nanosToMs(s.endTimeUnixNano) - start,
          attributes: attributes(s.attributes),
          error: s.status?.code === 2 || s.status?.code === 'STATUS_CODE_ERROR',
        };
        if (s.parentSpanId) span.parentSpanId = hexId(s.parentSpanId, 8);
        if (service !== undefined) span.service = String(service);
        out.push(span);
      }
    }
  }
  return out;
}

/** The file and its rotated backups (`<name>-<timestamp><ext>`), oldest backup first, the live file last. */
export async function replayFiles(file: string): Promise<string[]> {
  const dir = dirname(file);
  const ext = extname(file);
  const stem = basename(file, ext);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new BankError(`${file}: cannot read its folder: ${describeError(err)}`, { file });
  }
  const backups = names.filter((n) => n !== basename(file) && n.startsWith(`${stem}-`) && n.endsWith(ext)).sort();
  return [...backups.map((n) => join(dir, n)), ...(names.includes(basename(file)) ? [file] : [])];
}

export interface ReadReplay {
  spans: CapturedSpan[];
  files: string[];
  /** Lines that were not an OTLP/JSON export request. */
  skippedLines: number;
}

/** Every span in the replay file and its backups. */
export async function readReplayFile(file: string): Promise<ReadReplay> {
  const files = await replayFiles(file);
  if (files.length === 0) {
    throw new BankError(
      `${file}: no such replay file. The collector writes it with the replay overlay: --config collector.yaml --config collector.replay.yaml (PROMPTSCOPE_REPLAY_FILE sets the path).`,
      { file },
    );
  }
  const spans: CapturedSpan[] = [];
  let skippedLines = 0;
  for (const f of files) {
    const text = await readFile(f, 'utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        spans.push(...spansOfRequest(JSON.parse(line) as OtlpRequest));
      } catch {
        skippedLines++;
      }
    }
  }
  return { spans, files, skippedLines };
}

/** A span as Jaeger's query API returns it (tags as a map), in the same neutral shape. */
export function fromJaegerSpan(s: {
  traceId: string;
  spanId: string;
  parentSpanId?: string | undefined;
  operationName: string;
  startUs: number;
  durationUs: number;
  service: string;
  tags: Record<string, string | number | boolean>;
}): CapturedSpan {
  const span: CapturedSpan = {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.operationName,
    startMs: s.startUs / 1000,
    durationMs: s.durationUs / 1000,
    service: s.service,
    attributes: { ...s.tags },
    error: s.tags.error === true || s.tags['otel.status_code'] === 'ERROR' || s.tags[ATTR.ERROR_TYPE] !== undefined,
  };
  if (s.parentSpanId !== undefined) span.parentSpanId = s.parentSpanId;
  return span;
}
