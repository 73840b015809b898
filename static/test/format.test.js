import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CALL_RESULTS, resultLabel } from '../src/lib/format.js';

describe('call results as people read them', () => {
  it('says what happened instead of the one-word code', () => {
    assert.equal(resultLabel('callerhangup'), 'Caller hung up');
    assert.equal(resultLabel('hangup'), 'Flow hung up');
    assert.equal(resultLabel('noanswer'), 'No answer');
    assert.equal(resultLabel('unrouted'), 'Not routed');
  });

  it('labels every result the call log filter offers, each differently', () => {
    const labels = CALL_RESULTS.map(resultLabel);
    assert.ok(labels.every((l, i) => l && l !== CALL_RESULTS[i] && /^[A-Z]/.test(l)), labels.join(', '));
    assert.equal(new Set(labels).size, labels.length);
  });

  it('shows a code it does not know capitalised, and nothing for none', () => {
    assert.equal(resultLabel('answered'), 'Answered');
    assert.equal(resultLabel(null), '');
    assert.equal(resultLabel(''), '');
  });
});
