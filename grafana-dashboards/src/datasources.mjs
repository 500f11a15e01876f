// The datasources every panel, target and variable queries (panels.mjs and variables.mjs both need them).

/** Datasource uids, matched by provisioning/datasources/datasources.yaml. */
export const DATASOURCE_UIDS = Object.freeze({ prometheus: 'prometheus', jaeger: 'jaeger' });

/** Every panel and target queries the dashboard's datasource variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template literal
export const DS = Object.freeze({ type: 'prometheus', uid: '${datasource}' });

/** The Jaeger datasource, by the uid provisioning/datasources/datasources.yaml gives it. */
export const JAEGER_DS = Object.freeze({ type: 'jaeger', uid: DATASOURCE_UIDS.jaeger });
