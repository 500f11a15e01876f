// The dashboard shell (classic dashboard JSON, file-provisioned), built with the Grafana Foundation SDK's
// DashboardBuilder. Panels come with a width and height only: dashboard() gives them explicit ids and positions,
// so the output is deterministic.
import * as sdk from '@grafana/grafana-foundation-sdk/dashboard';

export const TAGS = ['promptscope', 'llm', 'genai'];
/** The SDK's DashboardBuilder writes its own schemaVersion (42) and has no setter: see classicJson(). */
export const SCHEMA_VERSION = 39;

/**
 * Ids 1..n in order, and positions flowing left to right, top to bottom; rows start a new line. Every panel
 * gets an explicit gridPos, so the SDK's own placement (which fills in a gridPos left at x = 0, y = 0) keeps
 * ours: the only panel at 0, 0 is the first one, where the SDK's cursor is too.
 * @param {(sdk.PanelBuilder | sdk.RowBuilder)[]} panels any panel builder (timeseries, stat, ...) or a row
 */
function layout(panels) {
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  return panels.map((panel, i) => {
    const { type, gridPos } = panel.build();
    const { w, h } = /** @type {sdk.GridPos} */ (gridPos); // every panel helper sets the size
    if (type === 'row' || x + w > 24) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    panel.id(i + 1).gridPos({ h, w, x, y });
    x += w;
    lineHeight = Math.max(lineHeight, h);
    if (type === 'row') {
      y += h;
      x = 0;
      lineHeight = 0;
    }
    return { panel, isRow: type === 'row' };
  });
}

/** `obj` with `keys` first (for a readable diff of the committed JSON); the other keys in the SDK's order. */
const keysFirst = (obj, keys) => ({
  ...Object.fromEntries(keys.filter((k) => k in obj).map((k) => [k, obj[k]])),
  ...obj,
});

/**
 * The built dashboard as JSON data (undefined values and the SDK's query marker functions dropped), with the two
 * fields whose SDK value would change what Grafana does: `schemaVersion` back to 39 (loads in Grafana 10.3 and
 * later, migrated on load; the SDK fixes 42) and the dashboard links without `placement` (the SDK's
 * DashboardLinkBuilder always writes `"inControlsMenu"`, which moves a link from the dashboard's top bar into the
 * controls menu in the Grafana versions that have one).
 */
function classicJson(built) {
  const json = JSON.parse(JSON.stringify(built));
  json.schemaVersion = SCHEMA_VERSION;
  for (const link of json.links ?? []) delete link.placement;
  json.panels = json.panels.map((p) => keysFirst(p, ['id', 'type', 'title']));
  return keysFirst(json, ['uid', 'title', 'description']);
}

export function dashboard({ uid, title, description, variables, panels, time = { from: 'now-3h', to: 'now' } }) {
  const builder = new sdk.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(TAGS)
    .editable()
    .tooltip(sdk.DashboardCursorSync.Crosshair)
    .version(1)
    .refresh('30s')
    .time(time)
    .timezone('browser')
    .fiscalYearStartMonth(0)
    .liveNow(false)
    .weekStart('')
    .annotation(
      new sdk.AnnotationQueryBuilder()
        .builtIn(1)
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)')
        .name('Annotations & Alerts')
        .type('dashboard'),
    )
    .link(
      new sdk.DashboardLinkBuilder('promptscope')
        .type(sdk.DashboardLinkType.Dashboards)
        .tags(['promptscope'])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true)
        .icon('external link')
        .targetBlank(false)
        .tooltip('')
        .url(''),
    )
    .variables(variables);
  for (const { panel, isRow } of layout(panels)) {
    if (isRow) builder.withRow(/** @type {sdk.RowBuilder} */ (panel));
    else builder.withPanel(/** @type {sdk.PanelBuilder} */ (panel));
  }
  return classicJson(builder.build());
}
