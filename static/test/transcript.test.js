import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { connectTarget, formatAt, newPrompts, nodeName, outcomeText, transcriptRows } from '../src/lib/transcript.js';
import { supportLine } from './helpers.js';

const lines = [
  { at: 0, kind: 'note', text: '+46708168731 calls +46812345678' },
  { at: 0, kind: 'heard', text: 'Welcome to Acme.' },
  { at: 5900, kind: 'heard', text: 'Press 1 for sales, 2 for support.' },
  { at: 15450, kind: 'keyed', text: '1' },
  { at: 18150, kind: 'action', text: 'connectPstn +46700000001' },
  { at: 61000, kind: 'mystery', text: 'a kind this editor does not know' },
];

const sales = { action: 'connectPstn', node: 'sales', number: '+46700000001', maxDuration: 3600 };
const session = (state, extra = {}) => ({ state, node: 'sales', transcript: { lines, outcome: sales, errors: [], end: null, ...extra } });

describe('transcript lines', () => {
  it('shows the time on the call clock in minutes, seconds and tenths', () => {
    assert.equal(formatAt(0), '0:00.0');
    assert.equal(formatAt(5900), '0:05.9');
    assert.equal(formatAt(61049), '1:01.0');
    assert.equal(formatAt(3_600_000), '60:00.0');
    assert.equal(formatAt('junk'), '0:00.0');
  });

  it('labels each line by kind, unknown kinds as notes', () => {
    const rows = transcriptRows(lines);
    assert.deepEqual(rows[2], { key: 2, time: '0:05.9', kind: 'heard', label: 'Heard', text: 'Press 1 for sales, 2 for support.' });
    assert.equal(rows[3].label, 'Keyed');
    assert.equal(rows[5].kind, 'note');
    assert.deepEqual(transcriptRows(undefined), []);
  });

  it('picks the prompts heard since the last answer, to read them aloud', () => {
    assert.deepEqual(newPrompts(lines, 0), ['Welcome to Acme.', 'Press 1 for sales, 2 for support.']);
    assert.deepEqual(newPrompts(lines, 2), ['Press 1 for sales, 2 for support.']);
    assert.deepEqual(newPrompts(lines, 3), []);
  });
});

describe('the outcome sentence', () => {
  const doc = supportLine();

  it('says who a connect rings, and when it is connected', () => {
    assert.deepEqual(outcomeText(session('dialing'), doc), { tone: 'info', text: 'Ringing +46700000001 (sales)…' });
    assert.deepEqual(outcomeText(session('connected'), doc), { tone: 'ok', text: 'Connected to +46700000001 (sales)' });
    const labelled = { ...doc, nodes: doc.nodes.map((n) => (n.id === 'sales' ? { ...n, label: 'Sales team' } : n)) };
    assert.equal(outcomeText(session('connected'), labelled).text, 'Connected to +46700000001 (Sales team (sales))');
  });

  it('reports how an ended call ended', () => {
    const end = (reason, result, duration = 20) => ({ end: { reason, result, duration } });
    assert.equal(outcomeText(session('ended', end('CALLERHANGUP', 'ANSWERED', 22)), doc).text, 'Connected to +46700000001 (sales), 22 s');
    assert.deepEqual(outcomeText(session('ended', end('CALLEEHANGUP', 'BUSY')), doc), { tone: 'warning', text: '+46700000001 was busy (sales)' });
    assert.equal(outcomeText(session('ended', end('TIMEOUT', 'NOANSWER')), doc).text, '+46700000001 did not answer (sales)');
    const hungUp = { state: 'ended', node: 'bye', transcript: { outcome: { action: 'hangup', node: 'bye' }, errors: [], end: { reason: 'MANAGERHANGUP', result: 'ANSWERED', duration: 24 } } };
    assert.deepEqual(outcomeText(hungUp, doc), { tone: 'info', text: 'The flow hung up at bye, 24 s' });
    const gaveUp = { state: 'ended', node: 'main', transcript: { outcome: { action: 'runMenu', node: 'main' }, errors: [], end: { reason: 'CALLERHANGUP' } } };
    assert.deepEqual(outcomeText(gaveUp, doc), { tone: 'info', text: 'You hung up at main' });
    const failed = { ...gaveUp, transcript: { ...gaveUp.transcript, errors: ['pie: engine error (node main)'] } };
    assert.deepEqual(outcomeText(failed, doc), { tone: 'error', text: 'The call failed: pie: engine error (node main)' });
  });

  it('has nothing to say while the caller is at a menu', () => {
    assert.equal(outcomeText({ state: 'waiting-for-input', transcript: { lines } }, doc), null);
    assert.equal(outcomeText(null, doc), null);
  });

  it('names other kinds of connect and nodes', () => {
    assert.equal(connectTarget({ action: 'connectConf', conferenceId: 'room' }), 'conference room');
    assert.equal(connectTarget({ action: 'connectSip', destination: { type: 'sip', endpoint: 'sip:a@b' } }), 'sip:a@b');
    assert.equal(connectTarget({ action: 'park' }), 'the callee');
    assert.equal(nodeName(doc, 'bye'), 'bye');
    assert.equal(nodeName(doc, null), '');
  });
});

describe('date ranges of the call log', () => {
  it('turns picked days into an instant range, both days included', async () => {
    const { dateRange } = await import('../src/lib/format.js');
    const range = dateRange('2026-11-20', '2026-11-25');
    assert.equal(new Date(range.since).getDate(), 20);
    assert.equal(new Date(range.since).getHours(), 0);
    assert.equal(Date.parse(range.until) - Date.parse(dateRange('2026-11-25', '').since), 24 * 3600 * 1000);
    assert.deepEqual(dateRange('', ''), {});
    assert.deepEqual(dateRange('yesterday', '2026-13-99').since, undefined);
  });
});
