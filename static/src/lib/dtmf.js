// DTMF: the keys of a phone keypad and the two tones each one sends.
//
// A key is the sum of one "row" tone and one "column" tone (ITU-T Q.23).
// The test panel plays them with WebAudio when a key is pressed, so testing
// a flow sounds like calling it.  Pure data and lookups; no audio here.

export const ROW_HZ = [697, 770, 852, 941];
export const COLUMN_HZ = [1209, 1336, 1477, 1633];

/** The keypad as it is laid out on a phone (the A-D column is not on phones). */
export const KEYPAD = [
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
  ['*', '0', '#'],
];

/** Letters printed under the digits, as on a phone. */
export const LETTERS = { 2: 'ABC', 3: 'DEF', 4: 'GHI', 5: 'JKL', 6: 'MNO', 7: 'PQRS', 8: 'TUV', 9: 'WXYZ', 0: '+' };

export const TONE_MS = 150;

const EXTENDED = [
  ['1', '2', '3', 'A'],
  ['4', '5', '6', 'B'],
  ['7', '8', '9', 'C'],
  ['*', '0', '#', 'D'],
];

/** `[low, high]` in Hz for a DTMF key ("0"-"9", "*", "#", "A"-"D"), else null. */
export function frequencies(key) {
  const k = String(key ?? '').toUpperCase();
  for (let row = 0; row < EXTENDED.length; row += 1) {
    const col = EXTENDED[row].indexOf(k);
    if (col >= 0) return [ROW_HZ[row], COLUMN_HZ[col]];
  }
  return null;
}

/** Whether `key` is one of the twelve keys of a phone. */
export const isPhoneKey = (key) => typeof key === 'string' && key.length === 1 && /[0-9*#]/.test(key);

/**
 * The phone key a keyboard event types, or null: digits from the main row
 * or the number pad, `*` and `#` as typed (Shift+8 / Shift+3 on US layouts),
 * and the number pad's multiply key.  Modifier shortcuts are never keys.
 */
export function keyFromEvent(ev) {
  if (!ev || ev.ctrlKey || ev.metaKey || ev.altKey) return null;
  if (isPhoneKey(ev.key)) return ev.key;
  if (ev.code === 'NumpadMultiply') return '*';
  return null;
}
