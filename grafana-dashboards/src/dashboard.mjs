// The dashboard shell (classic dashboard JSON, file-provisioned). Panels come with a width and height only:
// layout() gives them explicit ids and positions, so the output is deterministic.

export const TAGS = ['promptscope', 'llm', 'genai'];
export const SCHEMA_VERSION = 39;

/** Strip undefined values so the JSON is stable and minimal. */
const clean = (v) => JSON.parse(JSON.stringify(v));

/** Assign ids (1..n in order) and flow panels left to right, top to bottom; rows start a new line. */
function layout(panels) {
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  return panels.map((p, i) => {
    const { w, h } = p.gridPos;
    if (p.type === 'row' || x + w > 24) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    const placed = { id: i + 1, ...p, gridPos: { h, w, x, y } };
    x += w;
    lineHeight = Math.max(lineHeight, h);
    if (p.type === 'row') {
      y += h;
      x = 0;
      lineHeight = 0;
    }
    return placed;
  });
}

export function dashboard({ uid, title, description, variables, panels, time = { from: 'now-3h', to: 'now' } }) {
  return clean({
    uid,
    title,
    description,
    tags: TAGS,
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '30s',
    time,
    timepicker: {},
    timezone: 'browser',
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: [
      {
        title: 'promptscope',
        type: 'dashboards',
        tags: ['promptscope'],
        asDropdown: true,
        includeVars: true,
        keepTime: true,
        icon: 'external link',
        targetBlank: false,
        tooltip: '',
        url: '',
      },
    ],
    templating: { list: variables },
    panels: layout(panels),
  });
}
