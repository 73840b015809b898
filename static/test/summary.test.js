import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatValue, nodeSummary, promptText, scheduleText, searchNodes } from '../src/lib/summary.js';
import { registry, supportLine } from './helpers.js';

const reg = registry();
const sum = (type, data, label) => nodeSummary({ id: 'x', type, data, label }, reg.byType.get(type));

describe('node summaries', () => {
  it('shows the key parameter of each kind of node', () => {
    assert.equal(sum('say', { text: 'Welcome to Acme.' }), 'Welcome to Acme.');
    assert.equal(sum('menu', { prompt: '#tts[Press 1 for sales.]', options: ['1'] }), 'Press 1 for sales.');
    assert.equal(sum('connectPstn', { number: '+46700000001', cli: 'private' }), '+46700000001');
    assert.equal(sum('connectSip', { destination: { endpoint: 'a@sip.example.com' } }), 'a@sip.example.com');
    assert.equal(sum('setVariable', { name: 'tries', value: '0' }), 'tries · 0');
    assert.equal(sum('play', { ids: ['a.wav', 'b.wav'] }), 'a.wav, b.wav');
    assert.equal(sum('branch', { cases: [{ port: 'ok', when: "vars.pin == '1'" }] }), "ok: vars.pin == '1'");
    assert.equal(sum('hangup', {}), '');
    assert.equal(sum('say', {}), '');
  });

  it('summarises schedules and prompts', () => {
    assert.equal(
      scheduleText({ mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], sat: ['10:00-12:00'] }),
      'mon–wed 09:00-17:00; sat 10:00-12:00',
    );
    assert.equal(scheduleText({}), 'always closed');
    assert.equal(promptText('#tts[Hello];#href[https://x/y.wav]'), 'Hello · https://x/y.wav');
    assert.equal(promptText('#ssml[<speak>Hi <break/>there</speak>]'), 'Hi there');
  });

  it('never shows secrets and truncates long text', () => {
    assert.equal(formatValue({ type: 'string', 'x-secret': true }, 'hunter2'), '••••');
    const long = sum('say', { text: 'x'.repeat(500) });
    assert.equal(long.length, 140);
    assert.ok(long.endsWith('…'));
  });

  it('keeps markup as plain text (the view escapes it)', () => {
    assert.equal(sum('say', { text: '<script>alert(1)</script>' }), '<script>alert(1)</script>');
  });
});

describe('searchNodes', () => {
  it('finds nodes by id, type label and parameter text, all words', () => {
    const doc = supportLine();
    assert.deepEqual(searchNodes(doc, reg, 'acme'), ['welcome']);
    assert.deepEqual(searchNodes(doc, reg, 'SALES'), ['main', 'sales']);
    assert.deepEqual(searchNodes(doc, reg, 'sales press'), ['main']);
    assert.deepEqual(searchNodes(doc, reg, 'hang up'), ['bye']);
    assert.deepEqual(searchNodes(doc, reg, '+4670'), ['sales']);
    assert.deepEqual(searchNodes(doc, reg, '  '), []);
  });
});
