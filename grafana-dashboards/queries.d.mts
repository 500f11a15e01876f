export interface DashboardQuery {
  /** dashboard uid */
  dashboard: string;
  /** panel title, or `variable <name>` */
  panel: string;
  panelId?: number;
  refId?: string;
  kind: 'panel' | 'variable';
  /** the panel asks for an instant query (tables) */
  instant: boolean;
  /** the expression as in the dashboard, with `$variables` */
  template: string;
  /** the expression with variables substituted */
  expr: string;
  /**
   * what the data must contain for the query to return anything: 'errors' | 'streams' | 'cost' | 'spanmetrics' |
   * 'instrumentation-errors' | 'routes' (a routed call) | 'fallbacks' (a routed call that fell back) |
   * 'route-errors' (a failed attempt of a routed call) | 'feedback' (feedback on a prompt's completions)
   */
  requires: string[];
}
export const DEFAULT_SUBSTITUTE: Readonly<Record<string, string>>;
export function substitute(template: string, values?: Record<string, string>): string;
export function requirements(expr: string): string[];
export function allQueries(options?: { substitute?: Record<string, string> }): DashboardQuery[];
export interface JaegerQuery {
  dashboard: string;
  panel: string;
  panelId: number;
  refId: string;
  /** the variable the panel is repeated by (one exact value per panel) */
  repeat?: string;
  /** the target as in the dashboard */
  template: Record<string, unknown>;
  service: string;
  tags: Record<string, string>;
  minDuration?: string;
  limit?: number;
  /** Jaeger's search API URL for this query (times in microseconds since the epoch) */
  url(base: string, startUs: number, endUs: number): string;
}
export function parseLogfmt(text: string): Record<string, string>;
export function jaegerQueries(options?: { substitute?: Record<string, string> }): JaegerQuery[];
