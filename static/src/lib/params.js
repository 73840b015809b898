// Inline checks of node parameters against the registry's schemas.
//
// The server's validation stays the authority (its findings are drawn on the
// canvas); these checks only let the property form say "612/600" or
// "Required" under the field as the user types, using the very limits the
// registry declares (maxLength, maxBytes, minimum, pattern, enum...).

const encoder = new TextEncoder();

/** UTF-8 size of a string, the unit of the cookie limits. */
export const byteLength = (s) => encoder.encode(String(s ?? '')).length;

const isTemplate = (schema, value) =>
  schema?.['x-template'] && typeof value === 'string' && value.includes('{{');

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function patternHint(schema) {
  switch (schema['x-format']) {
    case 'e164':
      return 'Use an international number such as +46700000001.';
    case 'identifier':
      return 'Use letters, digits and "_", not starting with a digit.';
    default:
      break;
  }
  // A pattern that is only a character class, e.g. ^[0-9#w]+$.
  const m = /^\^\[([^\]]+)\][+*]\$$/.exec(schema.pattern ?? '');
  if (m) return `Only these characters: ${m[1].replace(/\\/g, '')}.`;
  return `Not in the expected format (${schema.pattern}).`;
}

function compile(pattern) {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return null;
    }
  }
}

/** True when a value counts as "not given" (the platform default applies). */
export const isEmpty = (v) =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * Problems with `value` under `schema`, as `[{path, message}]` where `path`
 * is the list of keys/indices below the parameter ([] for the value itself).
 */
export function checkValue(schema, value, path = []) {
  const out = [];
  const add = (message, at = path) => out.push({ path: at, message });
  if (!schema || value === undefined || value === null) return out;
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') {
        add('Must be text.');
        break;
      }
      if (schema.enum && !schema.enum.includes(value)) {
        add(`Choose one of: ${schema.enum.join(', ')}.`);
        break;
      }
      const len = [...value].length;
      if (schema.minLength && len < schema.minLength) {
        add(schema.minLength === 1 ? 'Required.' : `At least ${plural(schema.minLength, 'character')}.`);
      }
      if (schema.maxLength != null && len > schema.maxLength) {
        add(`At most ${plural(schema.maxLength, 'character')} (now ${len}).`);
      }
      if (schema.maxBytes != null && byteLength(value) > schema.maxBytes) {
        add(`At most ${schema.maxBytes} bytes (now ${byteLength(value)}).`);
      }
      if (schema.pattern && value !== '' && !isTemplate(schema, value)) {
        const re = compile(schema.pattern);
        if (re && !re.test(value)) add(patternHint(schema));
      }
      break;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        add('Must be a whole number.');
        break;
      }
      if (schema.minimum != null && value < schema.minimum) add(`At least ${schema.minimum}.`);
      if (schema.maximum != null && value > schema.maximum) add(`At most ${schema.maximum}.`);
      break;
    }
    case 'boolean':
      if (typeof value !== 'boolean') add('Must be on or off.');
      break;
    case 'array': {
      if (!Array.isArray(value)) {
        add('Must be a list.');
        break;
      }
      if (schema.minItems && value.length < schema.minItems) {
        add(`Add at least ${plural(schema.minItems, 'entry', 'entries')}.`);
      }
      if (schema.maxItems != null && value.length > schema.maxItems) {
        add(`At most ${plural(schema.maxItems, 'entry', 'entries')} (now ${value.length}).`);
      }
      if (schema.uniqueItems) {
        const seen = new Set();
        value.forEach((item, i) => {
          const k = JSON.stringify(item);
          if (seen.has(k)) add(`Duplicate entry ${JSON.stringify(item)}.`, [...path, i]);
          seen.add(k);
        });
      }
      value.forEach((item, i) => out.push(...checkValue(schema.items, item, [...path, i])));
      break;
    }
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        add('Must be a group of fields.');
        break;
      }
      for (const key of schema.required ?? []) {
        if (isEmpty(value[key])) add('Required.', [...path, key]);
      }
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        out.push(...checkValue(sub, value[key], [...path, key]));
      }
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * Problems with a node's parameters: `{paramName: [{path, message}]}`,
 * including required parameters that are missing.
 */
export function checkParams(typeDef, data) {
  const problems = {};
  if (!typeDef) return problems;
  const required = new Set(typeDef.required ?? []);
  for (const [name, schema] of Object.entries(typeDef.params ?? {})) {
    const value = data?.[name];
    const list = [];
    if (required.has(name) && isEmpty(value)) list.push({ path: [], message: 'Required.' });
    else list.push(...checkValue(schema, value));
    if (list.length) problems[name] = list;
  }
  return problems;
}

/** The counter under a text field: "12/600" (or bytes), null when unlimited. */
export function counter(schema, value) {
  const text = typeof value === 'string' ? value : '';
  if (schema?.maxLength != null) {
    const n = [...text].length;
    return { text: `${n}/${schema.maxLength}`, over: n > schema.maxLength };
  }
  if (schema?.maxBytes != null) {
    const n = byteLength(text);
    return { text: `${n}/${schema.maxBytes} bytes`, over: n > schema.maxBytes };
  }
  return null;
}
