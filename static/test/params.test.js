import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { byteLength, checkParams, checkValue, counter } from '../src/lib/params.js';
import { registry } from './helpers.js';

const reg = registry();
const t = (name) => reg.byType.get(name);
const messages = (problems) => Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, v.map((p) => p.message)]));

describe('checkParams against the registry limits', () => {
  it('flags a Say text over the limit and counts it', () => {
    const limit = reg.limits.sayMaxChars;
    const text = 'a'.repeat(limit + 12);
    const problems = messages(checkParams(t('say'), { text }));
    assert.deepEqual(problems.text, [`At most ${limit} characters (now ${limit + 12}).`]);
    assert.deepEqual(counter(t('say').params.text, text), { text: `${limit + 12}/${limit}`, over: true });
    assert.deepEqual(counter(t('say').params.text, undefined), { text: `0/${limit}`, over: false });
  });

  it('reports missing required parameters', () => {
    assert.deepEqual(messages(checkParams(t('say'), {})), { text: ['Required.'] });
    assert.deepEqual(checkParams(t('say'), { text: 'Hello' }), {});
  });

  it('checks integers against minimum and maximum', () => {
    const p = messages(checkParams(t('connectPstn'), { maxDuration: 0, dialTimeout: 2.5 }));
    assert.deepEqual(p.maxDuration, ['At least 1.']);
    assert.deepEqual(p.dialTimeout, ['Must be a whole number.']);
    const max = reg.limits.connectMaxDuration;
    assert.deepEqual(messages(checkParams(t('connectPstn'), { maxDuration: max + 1 })).maxDuration, [`At most ${max}.`]);
  });

  it('explains patterns in words', () => {
    assert.match(messages(checkParams(t('sendDtmf'), { value: '12x' })).value[0], /Only these characters: 0-9#w/);
    assert.match(messages(checkParams(t('connectPstn'), { number: '0700' })).number[0], /international number/);
    assert.deepEqual(checkParams(t('connectPstn'), { number: '{{ vars.agent }}' }), {}, 'templates pass');
  });

  it('checks menu options: DTMF keys, no duplicates, at least one', () => {
    const p = messages(checkParams(t('menu'), { prompt: 'x', options: ['1', '1', 'A'] }));
    assert.equal(p.options.length, 2);
    assert.match(p.options[0], /Duplicate/);
    assert.match(p.options[1], /Choose one of/);
    assert.deepEqual(messages(checkParams(t('menu'), { prompt: 'x', options: [] })).options, ['Required.']);
  });

  it('checks nested objects and arrays of objects with paths', () => {
    const sip = checkParams(t('connectSip'), { destination: {} });
    assert.deepEqual(sip.destination, [{ path: ['endpoint'], message: 'Required.' }]);
    const branch = checkParams(t('branch'), { cases: [{ port: '1bad', when: 'x' }] });
    assert.deepEqual(branch.cases.map((p) => p.path), [[0, 'port']]);
  });

  it('counts cookie sizes in bytes', () => {
    assert.equal(byteLength('å'), 2);
    const max = reg.limits.cookieMaxBytes;
    const p = messages(checkParams(t('setCookie'), { key: 'k', value: 'å'.repeat(max) }));
    assert.deepEqual(p.value, [`At most ${max} bytes (now ${2 * max}).`]);
    assert.equal(counter(t('setCookie').params.value, 'åa').text, `3/${max} bytes`);
  });

  it('ignores absent optional values and rejects wrong types', () => {
    assert.deepEqual(checkValue({ type: 'integer' }, undefined), []);
    assert.deepEqual(checkValue({ type: 'boolean' }, 'yes').map((p) => p.message), ['Must be on or off.']);
    assert.deepEqual(checkValue({ type: 'array' }, 'x').map((p) => p.message), ['Must be a list.']);
  });
});
