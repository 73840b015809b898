// The one-line summary on a node card ("Welcome to Acme.", "+46700000001").
//
// Derived from the registry rather than written per type: the summary shows
// the node's required parameters (else its first filled-in parameter),
// formatted by their schema and `x-format`.

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** "#tts[Press 1];#href[x.wav]" -> "Press 1 · x.wav" */
export function promptText(value) {
  return String(value)
    .split(';')
    .map((seg) => {
      const m = /^\s*#(?:tts|ssml|href)\[([\s\S]*)\]\s*$/.exec(seg);
      return (m ? m[1] : seg)
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
    })
    .filter(Boolean)
    .join(' · ');
}

/** "mon-fri 09:00-17:00" style summary of a weekly schedule. */
export function scheduleText(schedule) {
  if (!schedule || typeof schedule !== 'object') return '';
  const parts = [];
  let run = null;
  const flush = () => {
    if (!run) return;
    const days = run.from === run.to ? run.from : `${run.from}–${run.to}`;
    parts.push(`${days} ${run.hours}`);
    run = null;
  };
  for (const day of DAYS) {
    const hours = Array.isArray(schedule[day]) && schedule[day].length ? schedule[day].join(', ') : '';
    if (!hours) {
      flush();
      continue;
    }
    if (run && run.hours === hours) run.to = day;
    else {
      flush();
      run = { from: day, to: day, hours };
    }
  }
  flush();
  return parts.join('; ') || 'always closed';
}

/** A short text for one parameter value under its schema. */
export function formatValue(schema, value) {
  if (value === undefined || value === null || value === '') return '';
  if (schema?.['x-secret']) return '••••';
  switch (schema?.['x-format']) {
    case 'prompt':
      return promptText(value);
    case 'schedule':
      return scheduleText(value);
    default:
      break;
  }
  if (Array.isArray(value)) {
    return value
      .map((item) => formatValue(schema?.items, item))
      .filter(Boolean)
      .join(', ');
  }
  if (typeof value === 'object') {
    const props = schema?.properties ?? {};
    const texts = Object.entries(value)
      .filter(([k]) => !props[k]?.['x-secret'])
      .map(([k, v]) => formatValue(props[k], v))
      .filter(Boolean);
    // {port, when} -> "ok: vars.pin == '1'"; {key, value} -> "X-Id: 42"
    return texts.length > 1 ? `${texts[0]}: ${texts.slice(1).join(' ')}` : (texts[0] ?? '');
  }
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}

/** The card summary of `node` of type `typeDef` (may be ''). */
export function nodeSummary(node, typeDef, { max = 140 } = {}) {
  if (!typeDef) return '';
  const data = node.data ?? {};
  const params = typeDef.params ?? {};
  // The dynamic-port parameter (menu options) is already visible as ports.
  const portParam = typeDef.dynamicPorts?.param;
  const names = (typeDef.required ?? []).filter((n) => n in params && n !== portParam);
  let parts = names.map((n) => formatValue(params[n], data[n])).filter(Boolean);
  if (!parts.length) {
    for (const [name, schema] of Object.entries(params)) {
      const text = formatValue(schema, data[name]);
      if (text) {
        parts = [text];
        break;
      }
    }
  }
  const text = parts.join(' · ').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Every searchable text of a node: id, label, type and string parameters. */
export function searchText(node, typeDef) {
  const texts = [node.id, node.label ?? '', node.type, typeDef?.label ?? ''];
  const walk = (v) => {
    if (typeof v === 'string' || typeof v === 'number') texts.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(node.data ?? {});
  return texts.join('\n').toLowerCase();
}

/** Ids of the nodes whose text contains every word of `query`, in order. */
export function searchNodes(doc, reg, query) {
  const words = String(query ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean);
  if (!words.length) return [];
  return doc.nodes
    .filter((n) => {
      const text = searchText(n, reg?.byType?.get(n.type));
      return words.every((w) => text.includes(w));
    })
    .map((n) => n.id);
}
