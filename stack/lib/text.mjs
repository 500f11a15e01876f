/** What `up` and `status` print: the status table and the addresses of a running stack. */
import { ADDR, gatewayAddress } from './config.mjs';

/** @param {{ name: string, pid?: number, alive: boolean, healthy: boolean, address: string }[]} rows */
export function formatStatus(rows) {
  const table = [
    ['component', 'pid', 'address', 'healthy'],
    ...rows.map((r) => [
      r.name,
      r.pid ? String(r.pid) : '-',
      r.address,
      r.alive ? (r.healthy ? 'yes' : 'NO') : 'not running',
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** @param {string} state @param {number} gateways */
export function usage(state, gateways) {
  const tiers =
    gateways === 0
      ? `  collector       OTLP/HTTP http://${ADDR.collectorHttp}, OTLP/gRPC ${ADDR.collectorGrpc}, health http://${ADDR.collectorHealth}/`
      : `  agent           OTLP/HTTP http://${ADDR.collectorHttp}, OTLP/gRPC ${ADDR.collectorGrpc}, health http://${ADDR.collectorHealth}/
  gateways        ${Array.from({ length: gateways }, (_, i) => gatewayAddress(i + 1).grpc).join(', ')} (fed by the agent, by trace id)`;
  return `
  Jaeger API      http://${ADDR.jaegerQuery}/api/traces?service=promptscope-demo   (also /api/services, /api/v3/...)
                  Jaeger's web UI is not in this build (its page at / is Jaeger's placeholder); view traces with
                  \`promptscope worst\`, the replay report, the API, or Grafana's Jaeger datasource (docker-compose.yml)
  Prometheus      http://${ADDR.prometheus}   (its own query page: /graph)
  Alertmanager    http://${ADDR.alertmanager}   (API: /api/v2/alerts)
${tiers}

  send the demo's telemetry here:  npm run demo -- --endpoint http://${ADDR.collectorHttp}
  your app:                        OTEL_EXPORTER_OTLP_ENDPOINT=http://${ADDR.collectorHttp} node --import @promptscope/register app.mjs
  logs and pids:                   ${state}/logs, ${state}/pids
  stop:                            npm run stack -- down`;
}
