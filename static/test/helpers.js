// Shared test helpers: the real node-type registry, read from the Python
// package (the one catalogue), so the editor's pure modules are tested
// against exactly what GET /api/nodes serves.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { indexRegistry } from '../src/lib/registry.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let cached = null;

/** What a line of Python prints as JSON, run with the project's interpreter. */
function pythonJson(code, input) {
  const venv = join(ROOT, '.venv', 'bin', 'python');
  const python = process.env.PYTHON ?? (existsSync(venv) ? venv : 'python3');
  return JSON.parse(execFileSync(python, ['-c', code], { cwd: ROOT, encoding: 'utf8', input }));
}

export function registryJson() {
  if (cached) return cached;
  cached = pythonJson('import json, designer.registry as r; print(json.dumps(r.registry_json()))');
  return cached;
}

/** GET /api/openapi.json of a fresh in-memory app: the API reference page is tested against it. */
export function openapiJson() {
  return pythonJson(
    'import json; from designer.web import create_app; ' +
      'app = create_app({"DATABASE_URL": "memory://"}); ' +
      'print(json.dumps(app.test_client().get("/api/openapi.json").get_json()))',
  );
}

export const registry = () => indexRegistry(registryJson());

/** The example flow of DESIGN.md §3. */
export function supportLine() {
  return {
    format: 'callflow/1',
    name: 'Support line',
    locale: 'en-US',
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 } },
      { id: 'welcome', type: 'say', data: { text: 'Welcome to Acme.' }, position: { x: 300, y: 0 } },
      {
        id: 'main',
        type: 'menu',
        position: { x: 600, y: 0 },
        data: { prompt: '#tts[Press 1 for sales, 2 for support.]', options: ['1', '2'] },
      },
      { id: 'sales', type: 'connectPstn', data: { number: '+46700000001' }, position: { x: 900, y: 0 } },
      { id: 'bye', type: 'hangup', position: { x: 900, y: 200 } },
    ],
    edges: [
      { from: 'start', to: 'welcome' },
      { from: 'welcome', to: 'main' },
      { from: 'main', port: '1', to: 'sales' },
      { from: 'main', port: '2', to: 'bye' },
      { from: 'main', port: 'timeout', to: 'bye' },
    ],
    notes: [],
  };
}

/**
 * What GET /api/flows/<id>/diff answers for two documents: the server's own
 * designer.diff.diff_documents, so the overlay is tested against the real shape.
 */
export function serverDiff(oldDoc, newDoc) {
  return pythonJson(
    'import json, sys; from designer.diff import diff_documents; a, b = json.load(sys.stdin); print(json.dumps(diff_documents(a, b)))',
    JSON.stringify([oldDoc, newDoc]),
  );
}

/** A deep-frozen copy of `doc`: any mutation of an input throws. */
export function frozen(doc) {
  const freeze = (v) => {
    if (v && typeof v === 'object') {
      Object.values(v).forEach(freeze);
      Object.freeze(v);
    }
    return v;
  };
  return freeze(structuredClone(doc));
}
