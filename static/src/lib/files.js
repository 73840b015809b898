// Files the user picks or downloads: flow documents in, exports out.

import { ApiError } from './api.js';

/** Read a chosen file as a flow document, with a message naming the file on failure. */
export async function readFlowFile(file) {
  let text;
  try {
    text = await file.text();
  } catch {
    throw new ApiError(400, 'unreadable', `${file.name} could not be read.`);
  }
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'invalid-json', `${file.name} is not valid JSON: ${err.message}`);
  }
  const problem = notAFlow(doc);
  if (problem) throw new ApiError(400, 'not-a-flow', `${file.name} is not a flow document: ${problem}.`);
  return doc;
}

/**
 * Why a parsed JSON value is plainly not a flow document (said before the
 * server's detailed check, which would speak of Python types), or null.
 */
export function notAFlow(value) {
  const expected = 'a flow file is a JSON object with "format": "callflow/1", as Export › Flow document writes it';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return `it holds ${kind}, and ${expected}`;
  }
  if (value.format === undefined) return `it has no "format" field, and ${expected}`;
  if (value.format !== 'callflow/1') {
    return `its format is ${JSON.stringify(value.format)}, and this designer reads "callflow/1"`;
  }
  return null;
}

/** Hand `blob` to the browser as a download named `filename`. */
export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
