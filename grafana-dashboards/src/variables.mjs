// Dashboard variables (Grafana Foundation SDK builders): each filters by the variables before it, so the lists
// cascade in Grafana.
import * as sdk from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE_UIDS, DS } from './datasources.mjs';
import { count, HISTOGRAMS, L } from './metrics.mjs';

/** Value used for "All" in every multi-value variable (matches an absent label too). */
export const ALL_VALUE = '.*';

const VAR_METRIC = count(HISTOGRAMS.duration);

/** The Prometheus datasource (Grafana lists a datasource variable's options on dashboard load). */
export const datasourceVariable = () =>
  new sdk.DatasourceVariableBuilder('datasource')
    .label('Data source')
    .type('prometheus')
    .current({ selected: false, text: 'Prometheus', value: DATASOURCE_UIDS.prometheus })
    .hide(sdk.VariableHide.DontHide)
    .includeAll(false)
    .multi(false)
    .regex('');

/** A label_values() query variable on the duration histogram, filtered by the variables before it. */
export function labelVariable({
  name,
  label,
  labelName,
  filters = [],
  multi = true,
  includeAll = true,
  metric = VAR_METRIC,
}) {
  const selector = filters.length ? `${metric}{${filters.join(', ')}}` : metric;
  const definition = `label_values(${selector}, ${labelName})`;
  const variable = new sdk.QueryVariableBuilder(name)
    .label(label)
    .datasource(DS)
    .definition(definition)
    .query({ qryType: 1, query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .hide(sdk.VariableHide.DontHide)
    .includeAll(includeAll)
    .multi(multi)
    .options([])
    .refresh(sdk.VariableRefresh.OnTimeRangeChanged)
    .regex('')
    .sort(sdk.VariableSort.AlphabeticalAsc);
  return includeAll
    ? variable.current({ selected: true, text: ['All'], value: ['$__all'] }).allValue(ALL_VALUE)
    : variable;
}

/** The standard set: datasource, job, provider, model, prompt, version. */
export function standardVariables({ promptSingle = false } = {}) {
  const job = `${L.job}=~"$job"`;
  const provider = `${L.provider}=~"$provider"`;
  const model = `${L.model}=~"$model"`;
  const prompt = `${L.prompt}=~"$prompt"`;
  return [
    datasourceVariable(),
    labelVariable({ name: 'job', label: 'Service', labelName: L.job }),
    labelVariable({ name: 'provider', label: 'Provider', labelName: L.provider, filters: [job] }),
    labelVariable({ name: 'model', label: 'Model', labelName: L.model, filters: [job, provider] }),
    promptSingle
      ? labelVariable({
          name: 'prompt',
          label: 'Prompt',
          labelName: L.prompt,
          filters: [job, provider, model],
          multi: false,
          includeAll: false,
        })
      : labelVariable({ name: 'prompt', label: 'Prompt', labelName: L.prompt, filters: [job, provider, model] }),
    labelVariable({ name: 'version', label: 'Version', labelName: L.version, filters: [job, prompt] }),
  ];
}

/** The user segment (`promptscope_user_segment`, set with withSegment), within the variables before it. */
export const segmentVariable = () =>
  labelVariable({
    name: 'segment',
    label: 'Segment',
    labelName: L.segment,
    filters: [`${L.job}=~"$job"`, `${L.provider}=~"$provider"`, `${L.model}=~"$model"`, `${L.prompt}=~"$prompt"`],
  });

/**
 * The Jaeger service of the trace search panels: one value (Jaeger searches one service at a time), the
 * `service_name` label (resource service.name; `job` adds the namespace) of the selected jobs and prompt.
 */
export const serviceVariable = () =>
  labelVariable({
    name: 'service',
    label: 'Jaeger service',
    labelName: L.serviceName,
    filters: [`${L.job}=~"$job"`, `${L.prompt}=~"$prompt"`],
    multi: false,
    includeAll: false,
  });

/**
 * The error.type of the failed-completions trace search: one value (Jaeger matches exact tag values; its `error=true`
 * search does not match OTLP error statuses in every storage, e.g. Jaeger v2's memory store), among the failed
 * calls of the selected jobs, prompt and versions.
 */
export const errorTypeVariable = () =>
  labelVariable({
    name: 'error_type',
    label: 'Error type (trace search)',
    labelName: L.errorType,
    filters: [`${L.job}=~"$job"`, `${L.prompt}=~"$prompt"`, `${L.version}=~"$version"`, `${L.errorType}!=""`],
    multi: false,
    includeAll: false,
  });
