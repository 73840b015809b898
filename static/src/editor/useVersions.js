// Published versions of the flow and the comparison shown on the canvas.
//
// A comparison is the server's diff (GET /api/flows/<id>/diff) of a version
// with the draft or with another version.  Against the draft, the canvas
// keeps showing the (editable) draft and the diff is fetched again after
// each save, so the colours follow the edits.  Against another version, the
// canvas shows that version, read-only, until the comparison is closed.

import { useCallback, useEffect, useRef, useState } from 'react';

import { api } from '../lib/api.js';
import { normalize } from '../lib/document.js';

export function useVersions({ flowId, latestVersion, savedEtag }) {
  const [versions, setVersions] = useState(null); // newest first
  const [error, setError] = useState(null);
  const [compare, setCompare] = useState(null); // {from, to, status, diff, fromDoc, toDoc, error}
  const request = useRef(0);

  const reload = useCallback(async () => {
    try {
      const { data } = await api.listVersions(flowId);
      setVersions([...(data.items ?? [])].reverse());
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, [flowId]);

  useEffect(() => {
    reload();
  }, [reload, latestVersion]);

  const load = useCallback(
    async (from, to, { quiet = false } = {}) => {
      const mine = ++request.current;
      if (!quiet) setCompare({ from, to, status: 'loading', diff: null, fromDoc: null, toDoc: null, error: null });
      try {
        const [diff, fromVersion, toVersion] = await Promise.all([
          api.diff(flowId, from, to),
          from === 'draft' ? null : api.getVersion(flowId, from),
          to === 'draft' ? null : api.getVersion(flowId, to),
        ]);
        if (mine !== request.current) return;
        setCompare({
          from,
          to,
          status: 'ready',
          diff: diff.data,
          fromDoc: fromVersion ? normalize(fromVersion.data.document) : null,
          toDoc: toVersion ? normalize(toVersion.data.document) : null,
          error: null,
        });
      } catch (err) {
        if (mine !== request.current) return;
        setCompare((c) => (quiet && c ? c : { from, to, status: 'error', diff: null, fromDoc: null, toDoc: null, error: err }));
      }
    },
    [flowId],
  );

  const open = useCallback((from, to = 'draft') => load(from, to), [load]);

  const close = useCallback(() => {
    request.current += 1;
    setCompare(null);
  }, []);

  // Against the draft: follow the saves.
  const comparing = compare?.status === 'ready' && compare.to === 'draft' ? compare.from : null;
  const lastEtag = useRef(savedEtag);
  useEffect(() => {
    if (savedEtag === lastEtag.current) return;
    lastEtag.current = savedEtag;
    if (comparing !== null) load(comparing, 'draft', { quiet: true });
  }, [comparing, load, savedEtag]);

  return { versions, error, reload, compare, open, close };
}
