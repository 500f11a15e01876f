// A tiny Prometheus remote-write (v1) receiver for tests: snappy block decoding and a hand-written protobuf
// reader for prometheus.WriteRequest, so the collector's real prometheusremotewrite exporter can be asserted on
// without dependencies.
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

export interface RwSeries {
  labels: Record<string, string>;
  samples: { value: number; timestamp: number }[];
  exemplars: { labels: Record<string, string>; value: number; timestamp: number }[];
}

export interface RemoteWriteReceiver {
  url: string;
  requests: { headers: IncomingMessage['headers'] }[];
  series: RwSeries[];
  errors: string[];
  close(): Promise<void>;
}

export async function startRemoteWriteReceiver(): Promise<RemoteWriteReceiver> {
  const series: RwSeries[] = [];
  const requests: { headers: IncomingMessage['headers'] }[] = [];
  const errors: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    requests.push({ headers: req.headers });
    try {
      if (req.url !== '/api/v1/write') throw new Error(`unexpected path ${req.url}`);
      const body = snappyDecode(Buffer.concat(chunks));
      series.push(...decodeWriteRequest(body));
      res.writeHead(204).end();
    } catch (err) {
      errors.push((err as Error).message);
      res.writeHead(400).end((err as Error).message);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${addr.port}/api/v1/write`,
    requests,
    series,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Snappy block format (what remote write uses; not the framed format). */
export function snappyDecode(src: Buffer): Buffer {
  let pos = 0;
  let length = 0;
  let shift = 0;
  for (;;) {
    const b = src[pos++];
    length |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  const out = Buffer.alloc(length);
  let o = 0;
  while (pos < src.length) {
    const tag = src[pos++];
    const type = tag & 3;
    if (type === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const n = len - 59;
        len = 0;
        for (let i = 0; i < n; i++) len |= src[pos++] << (8 * i);
      }
      len += 1;
      src.copy(out, o, pos, pos + len);
      pos += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos++];
    } else if (type === 2) {
      len = (tag >>> 2) + 1;
      offset = src.readUInt16LE(pos);
      pos += 2;
    } else {
      len = (tag >>> 2) + 1;
      offset = src.readUInt32LE(pos);
      pos += 4;
    }
    if (offset === 0 || offset > o) throw new Error('snappy: bad copy offset');
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset];
  }
  if (o !== length) throw new Error(`snappy: decoded ${o} bytes, expected ${length}`);
  return out;
}

type Field = { no: number; wire: number; int?: bigint; bytes?: Buffer; double?: number };

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, int: varint() };
    else if (wire === 1) {
      const double = buf.readDoubleLE(pos);
      pos += 8;
      yield { no, wire, double };
    } else if (wire === 2) {
      const len = Number(varint());
      yield { no, wire, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 5) pos += 4;
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
}

function decodeLabel(buf: Buffer): [string, string] {
  let name = '';
  let value = '';
  for (const f of fields(buf)) {
    if (f.no === 1 && f.bytes) name = f.bytes.toString('utf8');
    if (f.no === 2 && f.bytes) value = f.bytes.toString('utf8');
  }
  return [name, value];
}

function toSigned(v: bigint | undefined): number {
  return Number(BigInt.asIntN(64, v ?? 0n));
}

/** prometheus.WriteRequest (remote write 1.0): timeseries = 1 {labels = 1, samples = 2, exemplars = 3}. */
export function decodeWriteRequest(buf: Buffer): RwSeries[] {
  const out: RwSeries[] = [];
  for (const ts of fields(buf)) {
    if (ts.no !== 1 || !ts.bytes) continue;
    const s: RwSeries = { labels: {}, samples: [], exemplars: [] };
    for (const f of fields(ts.bytes)) {
      if (!f.bytes) continue;
      if (f.no === 1) {
        const [k, v] = decodeLabel(f.bytes);
        s.labels[k] = v;
      } else if (f.no === 2) {
        let value = 0;
        let timestamp = 0;
        for (const g of fields(f.bytes)) {
          if (g.no === 1 && g.double !== undefined) value = g.double;
          if (g.no === 2) timestamp = toSigned(g.int);
        }
        s.samples.push({ value, timestamp });
      } else if (f.no === 3) {
        const e = { labels: {} as Record<string, string>, value: 0, timestamp: 0 };
        for (const g of fields(f.bytes)) {
          if (g.no === 1 && g.bytes) {
            const [k, v] = decodeLabel(g.bytes);
            e.labels[k] = v;
          }
          if (g.no === 2 && g.double !== undefined) e.value = g.double;
          if (g.no === 3) e.timestamp = toSigned(g.int);
        }
        s.exemplars.push(e);
      }
    }
    out.push(s);
  }
  return out;
}
