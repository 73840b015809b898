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
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'invalid-json', `${file.name} is not valid JSON: ${err.message}`);
  }
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
