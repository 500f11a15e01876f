#!/usr/bin/env node
// A minimal Alertmanager webhook receiver that prints one line per alert in each notification, so alerts
// are visible without a paging service: `node alerting/webhook-logger.mjs` (HOST, PORT; default
// 127.0.0.1:9097, the address alertmanager.yml sends to). Replace it with your real receiver.
import { createServer } from 'node:http';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 9097);

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    // Notifications are small; cap what one request may make us hold.
    if (body.length < 1_000_000) body += chunk;
  });
  req.on('end', () => {
    try {
      const note = JSON.parse(body);
      for (const alert of note.alerts ?? []) {
        const labels = Object.entries(alert.labels ?? {})
          .filter(([k]) => k !== 'alertname')
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        console.log(`${new Date().toISOString()} ${alert.status} ${alert.labels?.alertname} ${labels}`);
      }
      res.writeHead(200).end();
    } catch {
      res.writeHead(400).end('expected an Alertmanager webhook notification (JSON)\n');
    }
  });
});
server.listen(port, host, () => console.log(`alert webhook logger listening on http://${host}:${port}/alerts`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
