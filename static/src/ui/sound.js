// What the test call sounds like: DTMF tones through WebAudio and prompts
// through the browser's speech synthesis.  Both are optional comforts: where
// the browser has neither (or blocks audio), the call works silently and the
// transcript still shows every prompt.

import { frequencies, TONE_MS } from '../lib/dtmf.js';

let audio = null;
const LEVEL = 0.12;
const RAMP_S = 0.006; // a short fade in and out, so the tone does not click

function context() {
  const Ctx = globalThis.AudioContext ?? globalThis.webkitAudioContext;
  if (!Ctx) return null;
  try {
    audio ??= new Ctx();
    if (audio.state === 'suspended') audio.resume().catch(() => {});
    return audio;
  } catch {
    return null;
  }
}

/** Play the dual tone of a keypad key for `ms` milliseconds; false when it cannot sound. */
export function playDtmf(key, ms = TONE_MS) {
  const pair = frequencies(key);
  const ctx = pair && context();
  if (!ctx) return false;
  const start = ctx.currentTime;
  const end = start + ms / 1000;
  const gain = ctx.createGain();
  gain.gain.setValueAtTime(0, start);
  gain.gain.linearRampToValueAtTime(LEVEL, start + RAMP_S);
  gain.gain.setValueAtTime(LEVEL, end - RAMP_S);
  gain.gain.linearRampToValueAtTime(0, end);
  gain.connect(ctx.destination);
  for (const hz of pair) {
    const osc = ctx.createOscillator();
    osc.type = 'sine';
    osc.frequency.value = hz;
    osc.connect(gain);
    osc.start(start);
    osc.stop(end + 0.01);
  }
  return true;
}

/** Whether this browser can read text aloud. */
export function canSpeak() {
  return typeof globalThis.speechSynthesis?.speak === 'function' && typeof globalThis.SpeechSynthesisUtterance === 'function';
}

/** Read `texts` aloud one after the other, in `locale` ("en-US") when the browser has that voice. */
export function speak(texts, locale) {
  if (!canSpeak()) return;
  for (const text of texts) {
    const utterance = new globalThis.SpeechSynthesisUtterance(text);
    if (locale) utterance.lang = locale;
    globalThis.speechSynthesis.speak(utterance);
  }
}

/** Stop reading (a new prompt replaces the old one, as on a real call). */
export function stopSpeaking() {
  if (canSpeak()) globalThis.speechSynthesis.cancel();
}
