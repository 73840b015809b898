// The heat overlay: calls per node and drop-off over a period, from
// GET /api/flows/<id>/stats; refreshed every minute while it is shown.

import { useCallback, useEffect, useState } from 'react';

import { api } from '../lib/api.js';
import { periodSince } from '../lib/heat.js';

const REFRESH_MS = 60_000;

export function useHeat(flowId) {
  const [on, setOn] = useState(false);
  const [period, setPeriod] = useState('day');
  const [stats, setStats] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!on) {
      setStats(null);
      return undefined;
    }
    let cancelled = false;
    const load = async () => {
      setLoading(true);
      try {
        const { data } = await api.stats(flowId, { since: periodSince(period) });
        if (!cancelled) {
          setStats(data);
          setError(null);
        }
      } catch (err) {
        if (!cancelled) setError(err);
      } finally {
        if (!cancelled) setLoading(false);
      }
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [on, period, flowId]);

  const toggle = useCallback(() => setOn((x) => !x), []);
  return { on, toggle, setOn, period, setPeriod, stats, error, loading };
}
