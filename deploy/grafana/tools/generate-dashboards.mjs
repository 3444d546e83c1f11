#!/usr/bin/env node
// Dashboards as code: builds deploy/grafana/dashboards/*.json from the definitions below, so every panel follows
// the same conventions (datasource variable, $__rate_interval, units, legends). The JSON is committed — Grafana's
// file provisioning reads it — and the observability tests check it parses, is up to date with this file, and
// that every panel query returns data against a real Prometheus after a load run.
// Usage: node deploy/grafana/tools/generate-dashboards.mjs          → writes dashboards/*.json
//        node deploy/grafana/tools/generate-dashboards.mjs --check  → exits 1 when a file is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'dashboards');
const DS = { type: 'prometheus', uid: '${datasource}' };

// --- template variables --------------------------------------------------------------------------------------
const datasourceVar = {
  name: 'datasource',
  label: 'Data source',
  type: 'datasource',
  query: 'prometheus',
  current: {},
  hide: 0,
  refresh: 1,
  regex: '',
  options: [],
};

/** A multi-value query variable from label_values(); "All" matches everything (allValue .*). */
function labelVar(name, label, selector, labelName) {
  const definition = `label_values(${selector}, ${labelName})`;
  return {
    name,
    label,
    type: 'query',
    datasource: DS,
    definition,
    query: { qryType: 1, query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    refresh: 2,
    sort: 1,
    hide: 0,
    regex: '',
    options: [],
  };
}

const VARS = {
  pipeline: labelVar('pipeline', 'Pipeline', 'imageflow_pipeline_lag_images', 'pipeline'),
  stage: labelVar('stage', 'Stage', 'imageflow_stage_processed_total', 'stage'),
  // Parts that only fail have no processed series: take both counters.
  part: labelVar(
    'part',
    'Part',
    '{__name__=~"imageflow_stage_(processed|failed)_total", stage=~"$stage"}',
    'part',
  ),
  line: labelVar('line', 'Line', 'imageflow_pipeline_lag_images{pipeline=~"$pipeline"}', 'line'),
  camera: labelVar('camera', 'Camera', 'imageflow_ingest_images_total', 'camera_id'),
  group: labelVar('group', 'Consumer group', 'kafka_consumergroup_lag', 'consumergroup'),
  topic: labelVar('topic', 'Topic', 'kafka_consumergroup_lag{consumergroup=~"$group"}', 'topic'),
};

// --- panels ----------------------------------------------------------------------------------------------------
const R = '$__rate_interval';
/** Consumer lag per partition, deduplicated: the exporter and each consumer export it under the same name. */
const LAG = (filter) => `max by (consumergroup, topic, partition) (kafka_consumergroup_lag{${filter}})`;

function panel(
  title,
  description,
  targets,
  { unit = 'short', type = 'timeseries', w = 12, h = 8, stack = false } = {},
) {
  return {
    type,
    title,
    description,
    datasource: DS,
    targets: targets.map(([expr, legendFormat], i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DS,
      expr,
      legendFormat,
      range: true,
      editorMode: 'code',
    })),
    fieldConfig: {
      defaults:
        type === 'timeseries'
          ? {
              unit,
              custom: {
                drawStyle: 'line',
                lineWidth: 1,
                fillOpacity: stack ? 30 : 10,
                showPoints: 'never',
                stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
              },
            }
          : { unit },
      overrides: [],
    },
    options:
      type === 'timeseries'
        ? {
            legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] },
            tooltip: { mode: 'multi', sort: 'desc' },
          }
        : {
            reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
            colorMode: 'value',
            graphMode: 'area',
            textMode: 'auto',
          },
    _size: { w, h },
  };
}

const row = (title) => ({ type: 'row', title, collapsed: false, panels: [], _size: { w: 24, h: 1 } });

/** Lays panels out left to right, top to bottom, and numbers them. */
function layout(items) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return items.map((item, i) => {
    const { _size, ...rest } = item;
    if (x + _size.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { id: i + 1, gridPos: { x, y, w: _size.w, h: _size.h }, ...rest };
    x += _size.w;
    rowHeight = Math.max(rowHeight, _size.h);
    if (item.type === 'row') {
      x = 0;
      y += _size.h;
      rowHeight = 0;
    }
    return placed;
  });
}

function dashboard(uid, title, description, variables, items) {
  return {
    uid,
    title,
    description,
    tags: ['imageflow'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    annotations: { list: [] },
    links: [{ title: 'ImageFlow', type: 'dashboards', tags: ['imageflow'], asDropdown: true }],
    templating: { list: [datasourceVar, ...variables] },
    panels: layout(items),
  };
}

// --- the dashboards --------------------------------------------------------------------------------------------
const overview = dashboard(
  'imageflow-overview',
  'ImageFlow / Platform overview',
  'Are images keeping up? Ingest, steps, errors, backlog and the health of every service.',
  [VARS.pipeline, VARS.stage, VARS.camera],
  [
    row('Flow'),
    panel(
      'Images accepted / s',
      'New images accepted at ingest (gateway), all selected cameras.',
      [[`sum(rate(imageflow_ingest_images_total{camera_id=~"$camera"}[${R}]))`, 'images/s']],
      { unit: 'ops', w: 8 },
    ),
    panel(
      'Steps completed / s by stage',
      'Work items finished by the stage workers.',
      [[`sum by (stage) (rate(imageflow_stage_processed_total{stage=~"$stage"}[${R}]))`, '{{stage}}']],
      { unit: 'ops', w: 8, stack: true },
    ),
    panel(
      'Runs finished / s',
      'RunCompleted and RunFailed published by the orchestrator.',
      [[`sum by (outcome) (rate(imageflow_orchestrator_runs_closed_total[${R}]))`, '{{outcome}}']],
      { unit: 'ops', w: 8, stack: true },
    ),
    panel(
      'Step error ratio by stage',
      'Failed / (completed + failed) steps.',
      [
        [
          `sum by (stage) (rate(imageflow_stage_failed_total{stage=~"$stage"}[${R}])) / (sum by (stage) (rate(imageflow_stage_processed_total{stage=~"$stage"}[${R}])) + sum by (stage) (rate(imageflow_stage_failed_total{stage=~"$stage"}[${R}])))`,
          '{{stage}}',
        ],
      ],
      { unit: 'percentunit', w: 8 },
    ),
    panel(
      'Backlog (images) by pipeline',
      'Images with a step requested and not finished (projector, from the read models).',
      [[`sum by (pipeline) (imageflow_pipeline_lag_images{pipeline=~"$pipeline"})`, '{{pipeline}}']],
      { w: 8 },
    ),
    panel(
      'Oldest waiting step by pipeline',
      'Age of the oldest step requested and not finished.',
      [[`max by (pipeline) (imageflow_pipeline_lag_seconds{pipeline=~"$pipeline"})`, '{{pipeline}}']],
      { unit: 's', w: 8 },
    ),
    row('Kafka'),
    panel(
      'Consumer lag (messages) by group',
      'Messages behind the end of the log, summed over partitions.',
      [[`sum by (consumergroup) (${LAG('')})`, '{{consumergroup}}']],
      { w: 8 },
    ),
    panel(
      'Dead-lettered / s by topic',
      'Messages a consumer gave up on, by original topic.',
      [[`sum by (topic) (rate(imageflow_kafka_dead_lettered_total[${R}]))`, '{{topic}}']],
      { unit: 'ops', w: 8 },
    ),
    panel(
      'Projector lag',
      'Now minus the event time of the newest event projected into Postgres.',
      [[`max by (topic) (imageflow_projector_lag_seconds)`, '{{topic}}']],
      { unit: 's', w: 8 },
    ),
    row('Services'),
    panel('Targets up', 'Prometheus scrape targets answering, per job.', [[`sum by (job) (up)`, '{{job}}']], {
      w: 6,
    }),
    panel(
      'CPU by service',
      'Process CPU time per second.',
      [[`sum by (service) (rate(process_cpu_seconds_total{service!=""}[${R}]))`, '{{service}}']],
      { unit: 'percentunit', w: 6 },
    ),
    panel(
      'Resident memory by service',
      'Process RSS.',
      [[`sum by (service) (process_resident_memory_bytes{service!=""})`, '{{service}}']],
      { unit: 'bytes', w: 6 },
    ),
    panel(
      'Event loop lag p99 by service',
      'Node event loop delay (p99): a blocked loop delays every message.',
      [[`max by (service) (nodejs_eventloop_lag_p99_seconds)`, '{{service}}']],
      { unit: 's', w: 6 },
    ),
  ],
);

const kafkaLag = dashboard(
  'imageflow-kafka-lag',
  'ImageFlow / Kafka lag',
  'Consumer lag by group, topic and partition (kafka_exporter names), and in images and seconds per pipeline, stage and line.',
  [VARS.group, VARS.topic, VARS.pipeline, VARS.stage, VARS.line],
  [
    row('Messages'),
    panel(
      'Lag by group and topic',
      'Messages behind the partition ends, summed over partitions.',
      [
        [
          `sum by (consumergroup, topic) (${LAG('consumergroup=~"$group", topic=~"$topic"')})`,
          '{{consumergroup}} / {{topic}}',
        ],
      ],
      { w: 12 },
    ),
    panel(
      'Lag by partition',
      'One line per partition: a single growing partition is a stuck consumer or a hot key.',
      [
        [
          `${LAG('consumergroup=~"$group", topic=~"$topic"')}`,
          '{{consumergroup}} / {{topic}} [{{partition}}]',
        ],
      ],
      { w: 12 },
    ),
    panel(
      'Produced vs consumed / s by topic',
      'Log end offsets moving (produced) against messages handled by our consumers.',
      [
        [
          `sum by (topic) (rate(kafka_topic_partition_current_offset{topic=~"$topic"}[${R}]))`,
          'produced {{topic}}',
        ],
        [
          `sum by (topic) (rate(imageflow_kafka_consumed_total{topic=~"$topic"}[${R}]))`,
          'consumed {{topic}}',
        ],
      ],
      { unit: 'ops', w: 12 },
    ),
    panel(
      'Group members',
      'Consumers in each group (0: nobody is reading).',
      [
        [
          `max by (consumergroup) (kafka_consumergroup_members{consumergroup=~"$group"})`,
          '{{consumergroup}}',
        ],
      ],
      { w: 12 },
    ),
    row('Images and seconds'),
    panel(
      'Lag (images) by pipeline, stage and line',
      'Images with a step of that stage requested and not finished.',
      [
        [
          `sum by (pipeline, stage, line) (imageflow_pipeline_lag_images{pipeline=~"$pipeline", stage=~"$stage", line=~"$line"})`,
          '{{pipeline}} / {{stage}} / {{line}}',
        ],
      ],
      { w: 12 },
    ),
    panel(
      'Lag (seconds) by pipeline, stage and line',
      'Age of the oldest step of that stage requested and not finished.',
      [
        [
          `max by (pipeline, stage, line) (imageflow_pipeline_lag_seconds{pipeline=~"$pipeline", stage=~"$stage", line=~"$line"})`,
          '{{pipeline}} / {{stage}} / {{line}}',
        ],
      ],
      { unit: 's', w: 12 },
    ),
    panel(
      'Waiting steps by stage',
      'Steps requested and not finished (a run can wait on several steps of one stage).',
      [
        [
          `sum by (stage) (imageflow_pipeline_lag_steps{pipeline=~"$pipeline", stage=~"$stage", line=~"$line"})`,
          '{{stage}}',
        ],
      ],
      { w: 12 },
    ),
    panel(
      'Projector lag',
      'The image and second lags are as fresh as the projection: now − newest projected event time.',
      [[`max by (topic) (imageflow_projector_lag_seconds)`, '{{topic}}']],
      { unit: 's', w: 12 },
    ),
    row('Consumers'),
    panel(
      'In flight by group',
      'Messages fetched and not yet done.',
      [[`sum by (group) (imageflow_kafka_in_flight{group=~"$group"})`, '{{group}}']],
      { w: 8 },
    ),
    panel(
      'Paused by group',
      '1 while a consumer pauses fetching for back-pressure.',
      [[`max by (group) (imageflow_kafka_paused{group=~"$group"})`, '{{group}}']],
      { w: 8 },
    ),
    panel(
      'Retried and dead-lettered / s by topic',
      'Handler attempts retried; messages sent to the dead-letter topic.',
      [
        [`sum by (topic) (rate(imageflow_kafka_retried_total{topic=~"$topic"}[${R}]))`, 'retried {{topic}}'],
        [
          `sum by (topic) (rate(imageflow_kafka_dead_lettered_total{topic=~"$topic"}[${R}]))`,
          'dead-lettered {{topic}}',
        ],
      ],
      { unit: 'ops', w: 8 },
    ),
  ],
);

const stages = dashboard(
  'imageflow-stages',
  'ImageFlow / Stages and compute',
  'Stage workers per stage and part; gRPC latency on both sides; compute phases and AI batching.',
  [VARS.stage, VARS.part],
  [
    row('Stage workers'),
    panel(
      'Steps completed / s by stage and part',
      '',
      [
        [
          `sum by (stage, part) (rate(imageflow_stage_processed_total{stage=~"$stage", part=~"$part"}[${R}]))`,
          '{{stage}} / {{part}}',
        ],
      ],
      { unit: 'ops', w: 12, stack: true },
    ),
    panel(
      'Steps failed / s by stage and reason',
      'Reason = the compute status or error code.',
      [
        [
          `sum by (stage, part, reason) (rate(imageflow_stage_failed_total{stage=~"$stage", part=~"$part"}[${R}]))`,
          '{{stage}} / {{part}}: {{reason}}',
        ],
      ],
      { unit: 'ops', w: 12, stack: true },
    ),
    panel(
      'Step duration p50 / p95 by stage',
      'From taking a work item to publishing its result.',
      [
        [
          `histogram_quantile(0.5, sum by (le, stage) (rate(imageflow_stage_duration_seconds_bucket{stage=~"$stage", part=~"$part"}[${R}])))`,
          'p50 {{stage}}',
        ],
        [
          `histogram_quantile(0.95, sum by (le, stage) (rate(imageflow_stage_duration_seconds_bucket{stage=~"$stage", part=~"$part"}[${R}])))`,
          'p95 {{stage}}',
        ],
      ],
      { unit: 's', w: 12 },
    ),
    panel(
      'Step duration p95 by part',
      '',
      [
        [
          `histogram_quantile(0.95, sum by (le, part) (rate(imageflow_stage_duration_seconds_bucket{stage=~"$stage", part=~"$part"}[${R}])))`,
          '{{part}}',
        ],
      ],
      { unit: 's', w: 12 },
    ),
    panel(
      'Steps requested / s by stage',
      'StepRequested published by the orchestrator (re-sends included).',
      [
        [
          `sum by (stage) (rate(imageflow_orchestrator_steps_requested_total{stage=~"$stage"}[${R}]))`,
          '{{stage}}',
        ],
      ],
      { unit: 'ops', w: 12 },
    ),
    panel(
      'Active runs',
      'Runs the orchestrator holds that are not finished.',
      [[`sum(imageflow_orchestrator_active_runs)`, 'active runs']],
      { w: 12 },
    ),
    row('gRPC'),
    panel(
      'Client latency p95 by method and code',
      'Stage worker → compute, as the caller sees it.',
      [
        [
          `histogram_quantile(0.95, sum by (le, method, code) (rate(imageflow_grpc_client_duration_seconds_bucket[${R}])))`,
          '{{method}} {{code}}',
        ],
      ],
      { unit: 's', w: 8 },
    ),
    panel(
      'Server latency p95 by service and method',
      'Compute services (grpc_server_* names of grpc-ecosystem).',
      [
        [
          `histogram_quantile(0.95, sum by (le, service, grpc_method) (rate(grpc_server_handling_seconds_bucket[${R}])))`,
          '{{service}} {{grpc_method}}',
        ],
      ],
      { unit: 's', w: 8 },
    ),
    panel(
      'Server calls / s by method and code',
      '',
      [
        [
          `sum by (service, grpc_method, grpc_code) (rate(grpc_server_handled_total[${R}]))`,
          '{{service}} {{grpc_method}} {{grpc_code}}',
        ],
      ],
      { unit: 'ops', w: 8 },
    ),
    row('Compute'),
    panel(
      'Apply phase p95 by part and phase',
      'decode, compute, encode inside the compute services.',
      [
        [
          `histogram_quantile(0.95, sum by (le, part, phase) (rate(imageflow_compute_apply_phase_seconds_bucket[${R}])))`,
          '{{part}} {{phase}}',
        ],
      ],
      { unit: 's', w: 12 },
    ),
    panel(
      'Apply calls running',
      'Calls computing now, per compute service.',
      [[`sum by (service) (imageflow_compute_apply_running)`, '{{service}}']],
      { w: 12 },
    ),
    panel(
      'AI batch size p50 / max by model',
      'Images per onnxruntime run (dynamic batching in compute-ai).',
      [
        [
          `histogram_quantile(0.5, sum by (le, model) (rate(imageflow_inference_batch_size_bucket[${R}])))`,
          'p50 {{model}}',
        ],
        [
          `histogram_quantile(1, sum by (le, model) (rate(imageflow_inference_batch_size_bucket[${R}])))`,
          'max {{model}}',
        ],
      ],
      { w: 8 },
    ),
    panel(
      'AI batch wait and run p95 by model',
      'Wait of the first image for its batch; onnxruntime time per batch.',
      [
        [
          `histogram_quantile(0.95, sum by (le, model) (rate(imageflow_inference_batch_wait_seconds_bucket[${R}])))`,
          'wait {{model}}',
        ],
        [
          `histogram_quantile(0.95, sum by (le, model) (rate(imageflow_inference_run_seconds_bucket[${R}])))`,
          'run {{model}}',
        ],
      ],
      { unit: 's', w: 8 },
    ),
    panel(
      'AI images / s by model',
      'Images through onnxruntime.',
      [[`sum by (model) (rate(imageflow_inference_batch_size_sum[${R}]))`, '{{model}}']],
      { unit: 'ops', w: 8 },
    ),
  ],
);

const cameras = dashboard(
  'imageflow-cameras-lines',
  'ImageFlow / Cameras and lines',
  'What each camera sends, what the gateway refuses, and how far behind each line is.',
  [VARS.camera, VARS.pipeline, VARS.line],
  [
    row('Cameras'),
    panel(
      'Images accepted / s by camera',
      '',
      [
        [
          `sum by (camera_id) (rate(imageflow_ingest_images_total{camera_id=~"$camera"}[${R}]))`,
          '{{camera_id}}',
        ],
      ],
      { unit: 'ops', w: 12, stack: true },
    ),
    panel(
      'Bytes accepted / s by camera',
      '',
      [
        [
          `sum by (camera_id) (rate(imageflow_ingest_bytes_total{camera_id=~"$camera"}[${R}]))`,
          '{{camera_id}}',
        ],
      ],
      { unit: 'Bps', w: 12, stack: true },
    ),
    panel(
      'Images in the time range by camera',
      '',
      [
        [
          `sum by (camera_id) (increase(imageflow_ingest_images_total{camera_id=~"$camera"}[$__range]))`,
          '{{camera_id}}',
        ],
      ],
      { type: 'stat', w: 8 },
    ),
    panel(
      'Images in the last 10 minutes by camera',
      '0 for a camera that fell silent (see the CameraSilent alert).',
      [
        [
          `sum by (camera_id) (increase(imageflow_ingest_images_total{camera_id=~"$camera"}[10m]))`,
          '{{camera_id}}',
        ],
      ],
      { type: 'stat', w: 8 },
    ),
    panel(
      'Duplicates and refusals / s',
      'Same bytes sent again (by camera); uploads refused at the border (by reason).',
      [
        [
          `sum by (camera_id) (rate(imageflow_ingest_duplicates_total{camera_id=~"$camera"}[${R}]))`,
          'duplicate {{camera_id}}',
        ],
        [`sum by (reason) (rate(imageflow_ingest_rejected_total[${R}]))`, 'refused: {{reason}}'],
      ],
      { unit: 'ops', w: 8 },
    ),
    row('Lines'),
    panel(
      'Backlog (images) by line',
      'Images of the line with a step requested and not finished.',
      [[`sum by (line) (imageflow_pipeline_lag_images{pipeline=~"$pipeline", line=~"$line"})`, '{{line}}']],
      { w: 12 },
    ),
    panel(
      'Oldest waiting step by line',
      '',
      [[`max by (line) (imageflow_pipeline_lag_seconds{pipeline=~"$pipeline", line=~"$line"})`, '{{line}}']],
      { unit: 's', w: 12 },
    ),
    panel(
      'Backlog (images) by line and stage',
      '',
      [
        [
          `sum by (line, stage) (imageflow_pipeline_lag_images{pipeline=~"$pipeline", line=~"$line"})`,
          '{{line}} / {{stage}}',
        ],
      ],
      { w: 12 },
    ),
    panel(
      'Oldest waiting step by line and stage',
      '',
      [
        [
          `max by (line, stage) (imageflow_pipeline_lag_seconds{pipeline=~"$pipeline", line=~"$line"})`,
          '{{line}} / {{stage}}',
        ],
      ],
      { unit: 's', w: 12 },
    ),
  ],
);

export const dashboards = { overview, 'kafka-lag': kafkaLag, stages, 'cameras-lines': cameras };

const check = process.argv.includes('--check');
let stale = 0;
for (const [name, body] of Object.entries(dashboards)) {
  const file = join(outDir, `${name}.json`);
  // Formatted as `prettier --check .` expects, so the generated files pass the repo's format check.
  const text = await prettier.format(JSON.stringify(body), {
    ...(await prettier.resolveConfig(file)),
    filepath: file,
  });
  if (check) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      console.error(`${file} is out of date: run node deploy/grafana/tools/generate-dashboards.mjs`);
      stale += 1;
    }
  } else {
    writeFileSync(file, text);
  }
}
process.exit(stale ? 1 : 0);
