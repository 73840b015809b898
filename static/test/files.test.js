import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { notAFlow, readFlowFile } from '../src/lib/files.js';
import { supportLine } from './helpers.js';

const file = (name, text) => new File([text], name, { type: 'application/json' });

async function refusal(name, text) {
  try {
    await readFlowFile(file(name, text));
  } catch (err) {
    return err;
  }
  assert.fail(`${name} was accepted`);
}

describe('reading a flow file', () => {
  it('reads a flow document', async () => {
    const doc = await readFlowFile(file('support.json', JSON.stringify(supportLine())));
    assert.equal(doc.name, 'Support line');
  });

  it('names the file and the JSON error when it does not parse', async () => {
    const err = await refusal('broken.json', '{nope');
    assert.equal(err.code, 'invalid-json');
    assert.match(err.message, /^broken\.json is not valid JSON: /);
  });

  it('says plainly that JSON which is not a flow is not one, in words, not Python types', async () => {
    const array = await refusal('array.json', '[1, 2, 3]');
    assert.equal(array.code, 'not-a-flow');
    assert.match(array.message, /^array\.json is not a flow document: it holds an array, and a flow file is a JSON object with "format": "callflow\/1"/);
    const other = await refusal('settings.json', '{"hello": "world"}');
    assert.match(other.message, /^settings\.json is not a flow document: it has no "format" field/);
    const later = await refusal('v2.json', '{"format": "callflow/2", "nodes": []}');
    assert.match(later.message, /its format is "callflow\/2", and this designer reads "callflow\/1"/);
    for (const err of [array, other, later]) assert.doesNotMatch(err.message, /\b(None|list|dict)\b/);
  });

  it('leaves everything else to the server, which names the field', () => {
    assert.equal(notAFlow({ format: 'callflow/1', nodes: 'not a list' }), null);
    assert.match(notAFlow(null), /it holds null/);
    assert.match(notAFlow('text'), /it holds a string/);
  });
});
