import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { COLUMN_HZ, frequencies, isPhoneKey, KEYPAD, keyFromEvent, ROW_HZ } from '../src/lib/dtmf.js';

describe('DTMF frequencies', () => {
  it('pairs the standard row and column tones (ITU-T Q.23)', () => {
    assert.deepEqual(ROW_HZ, [697, 770, 852, 941]);
    assert.deepEqual(COLUMN_HZ, [1209, 1336, 1477, 1633]);
    assert.deepEqual(frequencies('1'), [697, 1209]);
    assert.deepEqual(frequencies('5'), [770, 1336]);
    assert.deepEqual(frequencies('9'), [852, 1477]);
    assert.deepEqual(frequencies('*'), [941, 1209]);
    assert.deepEqual(frequencies('0'), [941, 1336]);
    assert.deepEqual(frequencies('#'), [941, 1477]);
    assert.deepEqual(frequencies('d'), [941, 1633]);
  });

  it('gives every key of the keypad a distinct pair', () => {
    const pairs = KEYPAD.flat().map((k) => frequencies(k).join('+'));
    assert.equal(pairs.length, 12);
    assert.equal(new Set(pairs).size, 12);
  });

  it('has no tone for anything else', () => {
    for (const k of ['', 'E', '10', null, undefined, ' ']) assert.equal(frequencies(k), null);
  });
});

describe('keyboard to keypad', () => {
  it('maps digits, star and hash, from either digit row or the number pad', () => {
    assert.equal(keyFromEvent({ key: '7', code: 'Digit7' }), '7');
    assert.equal(keyFromEvent({ key: '7', code: 'Numpad7' }), '7');
    assert.equal(keyFromEvent({ key: '#', code: 'Digit3', shiftKey: true }), '#');
    assert.equal(keyFromEvent({ key: '*', code: 'Digit8', shiftKey: true }), '*');
    assert.equal(keyFromEvent({ key: '*', code: 'NumpadMultiply' }), '*');
  });

  it('leaves shortcuts and other keys alone', () => {
    assert.equal(keyFromEvent({ key: '1', ctrlKey: true }), null);
    assert.equal(keyFromEvent({ key: '1', metaKey: true }), null);
    assert.equal(keyFromEvent({ key: 'a' }), null);
    assert.equal(keyFromEvent({ key: 'Enter' }), null);
    assert.equal(isPhoneKey('12'), false);
  });
});
