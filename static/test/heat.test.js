import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { dropOffs, dropRate, formatPercent, heatLevel, heatOverlay, periodSince } from '../src/lib/heat.js';
import { supportLine } from './helpers.js';

// GET /api/flows/<id>/stats for 100 calls of the support line.
const stats = {
  calls: 100,
  nodes: {
    start: { calls: 100, visits: 100, ended: 0, dropped: 0 },
    welcome: { calls: 100, visits: 100, ended: 4, dropped: 4 },
    main: { calls: 96, visits: 130, ended: 20, dropped: 18 },
    sales: { calls: 40, visits: 40, ended: 40, dropped: 0 },
    bye: { calls: 1, visits: 1, ended: 1, dropped: 0 },
    removed_since: { calls: 7, visits: 7, ended: 7, dropped: 7 },
  },
};

describe('heat scale', () => {
  it('splits traffic into five tints relative to the busiest node', () => {
    assert.equal(heatLevel(100, 100), 4);
    assert.equal(heatLevel(80, 100), 3);
    assert.equal(heatLevel(79, 100), 3);
    assert.equal(heatLevel(40, 100), 1);
    assert.equal(heatLevel(1, 100), 0);
    assert.equal(heatLevel(0, 100), null);
    assert.equal(heatLevel(5, 0), null);
  });

  it('computes drop-off rates and prints them', () => {
    assert.equal(dropRate(stats.nodes.main), 18 / 96);
    assert.equal(dropRate({ calls: 0, dropped: 0 }), 0);
    assert.equal(formatPercent(18 / 96), '19%');
    assert.equal(formatPercent(0.004), '<1%');
    assert.equal(formatPercent(0), '0%');
  });

  it('starts a period at the right moment', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    assert.equal(periodSince('hour', now), '2026-11-25T09:00:00.000Z');
    assert.equal(periodSince('day', now), '2026-11-24T10:00:00.000Z');
    assert.equal(periodSince('week', now), '2026-11-18T10:00:00.000Z');
    assert.equal(periodSince('nonsense', now), '2026-11-24T10:00:00.000Z');
  });
});

describe('heat overlay', () => {
  it('tints and badges the nodes of the flow, with drop-off where callers gave up', () => {
    const overlay = heatOverlay(stats, supportLine());
    assert.equal(overlay.nodes.start.tone, 'heat-4');
    assert.equal(overlay.nodes.start.badge, '100');
    assert.equal(overlay.nodes.main.tone, 'heat-4');
    assert.equal(overlay.nodes.main.badge, '96 · ↓19%');
    assert.match(overlay.nodes.main.title, /96 calls reached this step \(130 visits\); 20 ended here, 18 by the caller giving up/);
    assert.equal(overlay.nodes.sales.tone, 'heat-1');
    assert.equal(overlay.nodes.bye.tone, 'heat-0');
    assert.equal(overlay.nodes.removed_since, undefined, 'nodes no longer in the flow are not drawn');
  });

  it('lists the worst drop-offs first', () => {
    assert.deepEqual(
      dropOffs(stats, supportLine()).map((d) => [d.id, d.dropped]),
      [
        ['main', 18],
        ['welcome', 4],
      ],
    );
    assert.deepEqual(dropOffs({ nodes: {} }, supportLine()), []);
  });

  it('draws nothing without calls', () => {
    assert.deepEqual(heatOverlay({ calls: 0, nodes: {} }, supportLine()), { nodes: {} });
    assert.deepEqual(heatOverlay(null, supportLine()), { nodes: {} });
  });
});
