export interface RuleOptions {
  groupName: string;
  evaluationInterval: string | undefined;
  window: string;
  forDuration: string;
  by: string[];
  errorRatio: number;
  minRequests: number;
  latencyP95Seconds: number;
  ttftP95Seconds: number;
  costBudgetUsdPerHour: number;
  costWindow: string | undefined;
  costBy: string[];
  /** USD per hour per user segment (promptscope_user_segment); `default` for every segment not named. */
  segmentBudgetsUsdPerHour: Readonly<Record<string, number>>;
  trafficLookback: string;
  trafficWindow: string | undefined;
  negativeFeedbackRatio: number;
  minFeedback: number;
  qualityWindow: string;
  qualityBy: string[];
  /** Window of the collector drop and refusal alerts (default: `window`). */
  collectorWindow: string | undefined;
  /** Share of a collector's sending queue capacity above which PromptscopeCollectorQueueFilling fires. */
  queueFillRatio: number;
  severity: Partial<
    Record<
      | 'errorRatio'
      | 'latency'
      | 'ttft'
      | 'cost'
      | 'segmentCost'
      | 'trafficStopped'
      | 'quality'
      | 'collectorDrops'
      | 'collectorQueue'
      | 'collectorRefused',
      string
    >
  >;
  grafanaUrl: string;
}
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export const DEFAULTS: Readonly<RuleOptions>;
export const SEGMENT_BUDGETS_EXAMPLE: Readonly<Record<string, number>>;
export function buildRules(options?: Partial<RuleOptions>): {
  groups: { name: string; interval?: string; rules: AlertRule[] }[];
};
export function renderRules(options?: Partial<RuleOptions>): string;
