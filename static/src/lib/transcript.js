// A simulated call as the test panel tells it: transcript lines with their
// time on the call's clock, the prompts to read aloud, and one sentence for
// where the call got to ("Connected to +46700000001 (sales)").
//
// The shapes are those of POST /api/sim/calls: a session {state, prompt,
// node, transcript: {lines: [{at, kind, text}], outcome, end, errors}}.

/** Labels of the transcript line kinds (designer.simulator.transcript.ICONS). */
export const LINE_KINDS = {
  heard: 'Heard',
  keyed: 'Keyed',
  ignored: 'Ignored',
  tones: 'Tones',
  action: 'Action',
  callee: 'Callee',
  cookie: 'Cookie',
  recording: 'Recording',
  note: 'Note',
  error: 'Error',
  end: 'End',
};

/** 5900 -> "0:05.9": minutes, seconds and tenths on the call's clock. */
export function formatAt(ms) {
  const t = Math.max(0, Math.round(Number(ms) / 100) || 0); // tenths
  const minutes = Math.floor(t / 600);
  const seconds = Math.floor((t % 600) / 10);
  return `${minutes}:${String(seconds).padStart(2, '0')}.${t % 10}`;
}

/** Transcript lines ready to render: `[{key, time, kind, label, text}]`. */
export function transcriptRows(lines) {
  return (lines ?? []).map((line, i) => ({
    key: i,
    time: formatAt(line.at),
    kind: LINE_KINDS[line.kind] ? line.kind : 'note',
    label: LINE_KINDS[line.kind] ?? 'Note',
    text: String(line.text ?? ''),
  }));
}

/** The prompts heard in `lines` after the first `seen` lines (what to speak next). */
export function newPrompts(lines, seen = 0) {
  return (lines ?? [])
    .slice(Math.max(0, seen))
    .filter((l) => l.kind === 'heard' && l.text)
    .map((l) => String(l.text));
}

const CONNECTS = {
  connectPstn: (o) => o.number,
  connectSip: (o) => o.destination?.endpoint ?? o.destination,
  connectMxp: (o) => o.destination?.endpoint ?? o.destination,
  connectConf: (o) => (o.conferenceId ? `conference ${o.conferenceId}` : null),
};

/** Who or what a connect action rings: "+46700000001", "conference sales". */
export function connectTarget(outcome) {
  const pick = CONNECTS[outcome?.action];
  const target = pick ? pick(outcome) : null;
  return typeof target === 'string' && target ? target : 'the callee';
}

/** "sales" or "Sales team (sales)" for a node id, with its label when it has one. */
export function nodeName(doc, id) {
  if (!id) return '';
  const node = (doc?.nodes ?? []).find((n) => n.id === id);
  return node?.label ? `${node.label} (${id})` : id;
}

const END_RESULT = {
  BUSY: 'was busy',
  NOANSWER: 'did not answer',
  FAILED: 'could not be reached',
};

const ENDED_BY = {
  CALLERHANGUP: 'You hung up',
  CALLEEHANGUP: 'The callee hung up',
  TIMEOUT: 'The call timed out',
  MANAGERHANGUP: 'The flow hung up',
};

/**
 * Where the call got to, in one sentence, with a tone for the banner:
 * `{tone: "ok"|"info"|"warning"|"error", text}`; null while the caller is
 * still at a menu with nothing to report.
 */
export function outcomeText(session, doc) {
  if (!session) return null;
  const t = session.transcript ?? {};
  const outcome = t.outcome ?? null;
  const at = (id) => nodeName(doc, id);
  const errors = t.errors ?? [];
  const isConnect = Boolean(outcome && CONNECTS[outcome.action]);
  const where = outcome?.node ? ` (${at(outcome.node)})` : '';
  if (session.state === 'dialing' && isConnect) {
    return { tone: 'info', text: `Ringing ${connectTarget(outcome)}${where}…` };
  }
  if (session.state === 'connected' && isConnect) {
    return { tone: 'ok', text: `Connected to ${connectTarget(outcome)}${where}` };
  }
  if (session.state === 'parked') {
    return { tone: 'info', text: `On hold${where}` };
  }
  if (session.state !== 'ended') return null;

  const end = t.end ?? {};
  const seconds = typeof end.duration === 'number' ? `, ${end.duration} s` : '';
  if (errors.length) return { tone: 'error', text: `The call failed: ${errors[0]}` };
  if (isConnect) {
    const result = String(end.result ?? '').toUpperCase();
    if (result === 'ANSWERED') {
      return { tone: 'ok', text: `Connected to ${connectTarget(outcome)}${where}${seconds}` };
    }
    if (END_RESULT[result]) {
      return { tone: 'warning', text: `${connectTarget(outcome)} ${END_RESULT[result]}${where}` };
    }
  }
  const last = session.node ? ` at ${at(session.node)}` : '';
  if (outcome?.action === 'hangup') return { tone: 'info', text: `The flow hung up${last}${seconds}` };
  const reason = String(end.reason ?? '').toUpperCase();
  const by = ENDED_BY[reason] ?? (reason ? `The call ended (${reason.toLowerCase()})` : 'The call ended');
  return { tone: reason === 'CALLERHANGUP' ? 'info' : 'warning', text: `${by}${last}` };
}
