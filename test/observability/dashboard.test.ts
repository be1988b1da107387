/** The committed Grafana dashboard only charts metrics the worker really exports, under their real names. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { OKTA_METRICS } from '../../activities/okta/metrics.js';
import { WORKFLOW_METRICS } from '../../workflows/metric-names.js';

/** SDK runtime metrics the dashboard uses (Temporal's core SDK metric names, Prometheus exporter). */
const SDK_METRICS = [
  'temporal_workflow_completed',
  'temporal_workflow_failed',
  'temporal_activity_schedule_to_start_latency',
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_worker_task_slots_available',
  'temporal_activity_execution_failed',
  'temporal_request_failure',
];

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: { expr: string }[];
}

describe('Grafana dashboard (deploy/grafana/okta-account-access.json)', () => {
  const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/okta-account-access.json', import.meta.url), 'utf8')) as {
    uid: string;
    panels: Panel[];
    templating: { list: { name: string; type: string }[] };
  };

  it('charts every project metric, and nothing the worker does not export', () => {
    const known = new Set<string>([...Object.values(OKTA_METRICS), ...Object.values(WORKFLOW_METRICS), ...SDK_METRICS]);
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      for (const t of panel.targets ?? []) {
        for (const [name] of t.expr.matchAll(/\b(?:okta|temporal)_[a-z_]+\b/g)) used.add(name.replace(/_(bucket|sum|count)$/, ''));
      }
    }
    for (const name of used) assert.ok(known.has(name), `${name} is not a metric the worker exports`);
    for (const name of [...Object.values(OKTA_METRICS), ...Object.values(WORKFLOW_METRICS)]) assert.ok(used.has(name), `${name} is not charted`);
  });

  it('is importable: unique panel ids, every query on the datasource variable', () => {
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
    for (const p of dashboard.panels.filter((p) => p.type !== 'row')) {
      assert.equal(p.datasource?.uid, '${datasource}', p.title);
      assert.ok((p.targets ?? []).length > 0, p.title);
    }
  });
});
