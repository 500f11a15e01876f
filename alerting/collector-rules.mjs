// Alerts on the collectors' own telemetry (agents, gateways, the single collector): data dropped for good, sending
// queues filling up, receivers refusing data. A rule group of its own (`<groupName>-collectors`) in the rules file
// alerting/rules.mjs renders; the options are rules.mjs's (`collectorWindow`, `queueFillRatio`, `forDuration`, ...).
import { COLLECTOR, COLLECTOR_L } from '../grafana-dashboards/src/metrics.mjs';

const WHO = 'collector {{ $labels.instance }} (job {{ $labels.job }})';
const BY = ['job', COLLECTOR_L.instance];

/**
 * A counter that increased within `w`, or that appeared within `w` (the collector creates its failure counters on
 * the first failure: their first sample already holds it, and increase() needs two).
 * @param {string} name @param {string[]} by @param {string} w
 */
const increasedOrAppeared = (name, by, w) =>
  `sum by (${by.join(', ')}) (increase(${name}[${w}])) > 0\nor\nsum by (${by.join(', ')}) (${name} unless ${name} offset ${w}) > 0`;

/** @param {{ collectorWindow: string, queueFillRatio: number, forDuration: string, severity: Record<string, string> }} o */
export function collectorRules(o) {
  const W = o.collectorWindow;
  const exporterBy = [...BY, COLLECTOR_L.exporter];
  return [
    {
      alert: 'PromptscopeCollectorDroppingData',
      expr: COLLECTOR.droppedNames.map((name) => increasedOrAppeared(name, exporterBy, W)).join('\nor\n'),
      // Dropped data does not come back: fire at once.
      for: '0s',
      labels: { severity: o.severity.collectorDrops },
      annotations: {
        summary: `${WHO} dropped telemetry (exporter {{ $labels.exporter }})`,
        description:
          `${WHO} gave up on spans, metric points or log records in the last ${W} through exporter ` +
          '{{ $labels.exporter }}: retries ran out (otelcol_exporter_send_failed_*: the next tier or backend was ' +
          'unreachable for longer than PROMPTSCOPE_QUEUE_MAX_AGE) or its sending queue was full ' +
          '(otelcol_exporter_enqueue_failed_*: PROMPTSCOPE_QUEUE_MAX_BYTES). Check that backend, then the ' +
          "LLM overview dashboard's Telemetry pipeline row.",
      },
    },
    {
      alert: 'PromptscopeCollectorQueueFilling',
      expr: `max by (${exporterBy.join(', ')}) (${COLLECTOR.queueSize} / ${COLLECTOR.queueCapacity}) > ${o.queueFillRatio}`,
      for: o.forDuration,
      labels: { severity: o.severity.collectorQueue },
      annotations: {
        summary: `${WHO}: sending queue of {{ $labels.exporter }} is {{ $value | humanizePercentage }} full`,
        description:
          `The sending queue of exporter {{ $labels.exporter }} on ${WHO} is {{ $value | humanizePercentage }} full ` +
          `(threshold ${Math.round(o.queueFillRatio * 100)}%): the tier behind it is down or too slow. At 100 % new ` +
          'data is dropped (PromptscopeCollectorDroppingData).',
      },
    },
    {
      alert: 'PromptscopeCollectorRefusingData',
      expr: COLLECTOR.refusedNames
        .map((name) => increasedOrAppeared(name, [...BY, COLLECTOR_L.receiver], W))
        .join('\nor\n'),
      for: o.forDuration,
      labels: { severity: o.severity.collectorRefused },
      annotations: {
        summary: `${WHO} is refusing data (receiver {{ $labels.receiver }})`,
        description:
          `Receiver {{ $labels.receiver }} of ${WHO} refused data in the last ${W} (memory limiter or a full ` +
          'pipeline): senders retry, and drop what they cannot resend. Give it more memory or add gateways ' +
          '(docs/scaling.md).',
      },
    },
  ];
}
