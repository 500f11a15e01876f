/**
 * How each collector process of the stack is run: which config file and which variables of that config
 * (collector-config/README.md). One home for it, shared by `up` and by the tests that start agents and gateways on
 * their own addresses (stack/test/faults.test.ts).
 *
 *   --gateways 0    one collector (collector-config/collector.yaml), the single-process setup
 *   --gateways N    an agent (agent.yaml) on the fixed app-facing ports, and N gateways (gateway.yaml)
 */
import { CONFIGS } from '../../collector-config/build.mjs';

/** The collector configs the stack runs (collector-config/build.mjs names every shipped config). */
export const COLLECTOR_CONFIGS = Object.freeze({
  single: CONFIGS.production,
  agent: CONFIGS.agent,
  agentDns: CONFIGS.agentDns,
  gateway: CONFIGS.gateway,
});

/**
 * @typedef {object} Listen  where a collector listens
 * @property {string} [http]  OTLP/HTTP host:port (agents and the single collector)
 * @property {string} grpc    OTLP/gRPC host:port
 * @property {string} health  health_check host:port
 * @property {string} metrics self-telemetry host:port (Prometheus format)
 */

/** @param {Listen} listen @returns {Record<string, string>} */
function listenEnv(listen) {
  const [metricsHost, metricsPort] = listen.metrics.split(':');
  return {
    ...(listen.http ? { PROMPTSCOPE_OTLP_HTTP_LISTEN: listen.http } : {}),
    PROMPTSCOPE_OTLP_GRPC_LISTEN: listen.grpc,
    PROMPTSCOPE_HEALTH_CHECK_ENDPOINT: listen.health,
    PROMPTSCOPE_COLLECTOR_METRICS_HOST: metricsHost,
    PROMPTSCOPE_COLLECTOR_METRICS_PORT: metricsPort,
  };
}

/**
 * The single collector (collector.yaml): OTLP in, Jaeger and Prometheus out.
 * @param {{ listen: Listen, jaegerOtlp: string, remoteWrite: string }} o
 */
export function singleCollectorEnv({ listen, jaegerOtlp, remoteWrite }) {
  return {
    ...listenEnv(listen),
    PROMPTSCOPE_JAEGER_OTLP_ENDPOINT: jaegerOtlp,
    PROMPTSCOPE_PROMETHEUS_REMOTE_WRITE_URL: remoteWrite,
  };
}

/**
 * An agent (agent.yaml): OTLP in from apps, out to the gateways (static list, `host:port` each), queued on disk
 * in `queueDir`.
 * @param {{ listen: Listen, gateways: string[], queueDir: string }} o
 */
export function agentEnv({ listen, gateways, queueDir }) {
  if (gateways.length === 0) throw new Error('an agent needs at least one gateway');
  return {
    ...listenEnv(listen),
    // A YAML flow sequence: the collector reads a variable that is the whole value as YAML.
    PROMPTSCOPE_GATEWAYS: `[${gateways.join(', ')}]`,
    PROMPTSCOPE_QUEUE_DIR: queueDir,
  };
}

/**
 * A gateway (gateway.yaml): `id` names it on its span metrics (label promptscope_gateway) and its own telemetry.
 * @param {{ id: string, listen: Listen, jaegerOtlp: string, remoteWrite: string, queueDir: string }} o
 */
export function gatewayEnv({ id, listen, jaegerOtlp, remoteWrite, queueDir }) {
  return {
    ...listenEnv(listen),
    PROMPTSCOPE_GATEWAY_ID: id,
    PROMPTSCOPE_JAEGER_OTLP_ENDPOINT: jaegerOtlp,
    PROMPTSCOPE_PROMETHEUS_REMOTE_WRITE_URL: remoteWrite,
    PROMPTSCOPE_QUEUE_DIR: queueDir,
  };
}

/**
 * Every collector process of a stack with `gateways` (their addresses; none: one collector): name -> config file
 * and variables. `queueDir(name)` says where each one queues.
 * @param {{ gateways: { grpc: string, health: string, metrics: string }[], listen: Listen, jaegerOtlp: string,
 *   remoteWrite: string, queueDir: (name: string) => string, singleConfig?: string }} o
 * @returns {Record<string, { config: string, env: Record<string, string> }>}
 */
export function stackCollectorEnvs({ gateways, listen, jaegerOtlp, remoteWrite, queueDir, singleConfig }) {
  if (gateways.length === 0)
    return {
      collector: {
        config: singleConfig ?? COLLECTOR_CONFIGS.single,
        env: singleCollectorEnv({ listen, jaegerOtlp, remoteWrite }),
      },
    };
  /** @type {Record<string, { config: string, env: Record<string, string> }>} */
  const out = {};
  gateways.forEach((a, i) => {
    const id = `gateway-${i + 1}`;
    out[id] = {
      config: COLLECTOR_CONFIGS.gateway,
      env: gatewayEnv({ id, listen: a, jaegerOtlp, remoteWrite, queueDir: queueDir(id) }),
    };
  });
  out.agent = {
    config: COLLECTOR_CONFIGS.agent,
    env: agentEnv({ listen, gateways: gateways.map((a) => a.grpc), queueDir: queueDir('agent') }),
  };
  return out;
}

/**
 * Collector settings for --fast and the tests (variables of the collector configs): tail-sampling decisions after
 * 2 s instead of 10 s, span metrics flushed every 2 s instead of 15 s. Sampling policies stay as shipped (errors,
 * slow > 10 s, 10 % of the rest).
 * @type {Readonly<Record<string, string>>}
 */
export const FAST_COLLECTOR_ENV = Object.freeze({
  PROMPTSCOPE_TAIL_DECISION_WAIT: '2s',
  PROMPTSCOPE_SPANMETRICS_FLUSH_INTERVAL: '2s',
});
