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
   * 'route-errors' (a failed attempt of a routed call)
   */
  requires: string[];
}
export const DEFAULT_SUBSTITUTE: Readonly<Record<string, string>>;
export function substitute(template: string, values?: Record<string, string>): string;
export function requirements(expr: string): string[];
export function allQueries(options?: { substitute?: Record<string, string> }): DashboardQuery[];
