// Revalidation as the user edits: the current document is posted to
// POST /api/flows/validate, debounced, and only the newest answer is kept.

import { useEffect, useRef, useState } from 'react';

import { api } from '../lib/api.js';

export const VALIDATE_DELAY_MS = 350;

export function useValidation(doc) {
  const [result, setResult] = useState({ findings: [], pending: true, error: null, checked: null });
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setResult((r) => (r.pending ? r : { ...r, pending: true }));
    const timer = setTimeout(async () => {
      try {
        const { data } = await api.validate(doc);
        if (mine === seq.current) {
          setResult({ findings: data.findings ?? [], pending: false, error: null, checked: doc });
        }
      } catch (err) {
        if (mine === seq.current) setResult((r) => ({ ...r, pending: false, error: err, checked: doc }));
      }
    }, VALIDATE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [doc]);
  return result;
}
