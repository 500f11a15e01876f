// biome-ignore lint/suspicious/noExplicitAny: dashboard JSON
export type Dashboard = Record<string, any>;
export function dashboards(): { file: string; dashboard: Dashboard }[];
export function render(dashboard: Dashboard): string;
