// The API reference page reads the server's OpenAPI description (generated
// from the code, so never out of date) and shows it as people read an API:
// endpoints grouped by what they are about, each with what it takes and what
// it answers.  This module turns the description into that outline.

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
// Tags as sections, in the order a newcomer meets them; any other tag follows.
const TAG_ORDER = ['flows', 'versions', 'nodes', 'numbers', 'applications', 'calls', 'simulator', 'users', 'meta'];
const TAG_TITLES = {
  flows: 'Flows',
  versions: 'Versions',
  nodes: 'Node types',
  numbers: 'Phone numbers',
  applications: 'Sinch applications',
  calls: 'Call log',
  simulator: 'Simulator',
  users: 'Users and tokens',
  meta: 'This description',
};

/** The schema a `$ref` ("#/components/schemas/Flow") points at, or the schema itself. */
export function resolve(spec, schema) {
  let current = schema;
  for (let depth = 0; current?.$ref && depth < 10; depth += 1) {
    const path = current.$ref.replace(/^#\//, '').split('/');
    current = path.reduce((node, key) => node?.[key], spec);
  }
  return current ?? null;
}

/** "string", "integer ≥ 1", "Flow", "array of Call", "string | null": a schema in a few words. */
export function typeName(spec, schema) {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop();
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map((s) => typeName(spec, s)).join(' | ');
  if (schema.type === 'array') return `array of ${typeName(spec, schema.items) || 'values'}`;
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'value');
  const bounds = [];
  if (schema.minimum !== undefined) bounds.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) bounds.push(`≤ ${schema.maximum}`);
  if (schema.maxLength !== undefined) bounds.push(`≤ ${schema.maxLength} chars`);
  return bounds.length ? `${type}, ${bounds.join(', ')}` : type;
}

/** The fields of a JSON body: [{name, type, required, description}], or null when it is not an object. */
function bodyFields(spec, schema) {
  const resolved = resolve(spec, schema);
  if (!resolved || resolved.type !== 'object' || !resolved.properties) return null;
  const required = new Set(resolved.required ?? []);
  return Object.entries(resolved.properties).map(([name, prop]) => ({
    name,
    type: typeName(spec, prop),
    required: required.has(name),
    description: resolve(spec, prop)?.description ?? '',
  }));
}

function operation(spec, path, method, op) {
  const bodySchema = op.requestBody?.content?.['application/json']?.schema ?? null;
  return {
    id: op.operationId ?? `${method}-${path}`,
    method: method.toUpperCase(),
    path,
    summary: op.summary ?? '',
    description: op.description ?? '',
    permission: op['x-permission'] ?? null,
    params: (op.parameters ?? []).map((p) => ({
      name: p.name,
      in: p.in,
      required: Boolean(p.required),
      type: typeName(spec, p.schema),
      description: p.description ?? '',
    })),
    body: bodySchema
      ? {
          required: Boolean(op.requestBody.required),
          type: typeName(spec, bodySchema),
          fields: bodyFields(spec, bodySchema),
        }
      : null,
    responses: Object.entries(op.responses ?? {}).map(([status, r]) => ({ status, description: r.description ?? '' })),
  };
}

/**
 * The description as sections: `[{tag, title, operations}]`, each operation
 * `{id, method, path, summary, description, permission, params, body, responses}`,
 * sorted by path and then GET, POST, PUT, PATCH, DELETE.
 */
export function outline(spec) {
  const byTag = new Map();
  for (const [path, item] of Object.entries(spec?.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(spec, path, method, op));
    }
  }
  const rank = (tag) => (TAG_ORDER.includes(tag) ? TAG_ORDER.indexOf(tag) : TAG_ORDER.length);
  return [...byTag]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([tag, operations]) => ({
      tag,
      title: TAG_TITLES[tag] ?? `${tag.charAt(0).toUpperCase()}${tag.slice(1)}`,
      operations: operations.sort(
        (a, b) => a.path.localeCompare(b.path) || METHODS.indexOf(a.method.toLowerCase()) - METHODS.indexOf(b.method.toLowerCase()),
      ),
    }));
}

/** Operations whose method, path or summary contain every word of `query` (case-insensitive). */
export function filterOutline(sections, query) {
  const words = (query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return sections;
  return sections
    .map((s) => ({
      ...s,
      operations: s.operations.filter((op) => {
        const text = `${op.method} ${op.path} ${op.summary} ${s.title}`.toLowerCase();
        return words.every((w) => text.includes(w));
      }),
    }))
    .filter((s) => s.operations.length);
}
