// Helpers over the node-type registry served by GET /api/nodes.
//
// The registry is the only catalogue of node types: the palette, the node
// cards, the handles and the property forms are all derived from it here, so
// a type added on the server shows up in the editor without a line of JS.

/**
 * Index the registry JSON once: types by name and the palette categories in
 * the order the registry first mentions them.
 */
export function indexRegistry(json) {
  const types = Array.isArray(json?.types) ? json.types : [];
  const byType = new Map(types.map((t) => [t.type, t]));
  const categories = [];
  const seen = new Map();
  for (const t of types) {
    let group = seen.get(t.category);
    if (!group) {
      group = { name: t.category, types: [] };
      seen.set(t.category, group);
      categories.push(group);
    }
    group.types.push(t);
  }
  return {
    version: json?.version ?? 1,
    locales: json?.locales ?? [],
    dtmfKeys: json?.dtmfKeys ?? [],
    limits: json?.limits ?? {},
    actionsAllowed: json?.actionsAllowed ?? {},
    types,
    byType,
    categories,
  };
}

export function typeOf(reg, type) {
  return reg?.byType?.get(type) ?? null;
}

/**
 * The ports of a node of type `typeDef` holding `data`, in display order:
 * the dynamic ones (one per menu option, branch case...) first, then the
 * fixed ones; a name is listed once.  Mirrors NodeType.iter_ports.
 */
export function portsOf(typeDef, data) {
  if (!typeDef) return [];
  const out = [];
  const seen = new Set();
  const dyn = typeDef.dynamicPorts;
  if (dyn) {
    const values = data?.[dyn.param];
    for (const item of Array.isArray(values) ? values : []) {
      let name = null;
      if (dyn.key == null) name = typeof item === 'string' ? item : null;
      else if (item && typeof item === 'object') name = item[dyn.key];
      if (typeof name === 'string' && name && !seen.has(name)) {
        seen.add(name);
        out.push({ name, required: dyn.required !== false, label: name, dynamic: true });
      }
    }
  }
  for (const port of typeDef.ports ?? []) {
    if (seen.has(port.name)) continue;
    seen.add(port.name);
    out.push({
      name: port.name,
      required: port.required !== false,
      label: port.label ?? port.name,
      description: port.description,
      dynamic: false,
    });
  }
  return out;
}

/** The names of the dynamic ports alone, in the order of their parameter. */
export function dynamicPortNames(typeDef, data) {
  return portsOf(typeDef, data)
    .filter((p) => p.dynamic)
    .map((p) => p.name);
}

/** Whether anything can connect *into* a node of this type. */
export function acceptsInput(typeDef) {
  return !typeDef || typeDef.kind !== 'start';
}

/** The parameters a new node of this type starts with: the registry's example. */
export function initialData(typeDef) {
  const example = typeDef?.example;
  return example && typeof example === 'object' ? structuredClone(example) : {};
}

/** Human title of a parameter: its schema title, else the name split at capitals. */
export function paramTitle(name, schema) {
  if (schema?.title) return schema.title;
  const words = String(name)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Human name of a palette category ("connect" -> "Connect"). */
export function categoryTitle(name) {
  const s = String(name ?? '');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
