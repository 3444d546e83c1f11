// Watches one run: the live WebSocket for prompt node states, and GET /api/v1/runs/:id for the outputs (and for
// the states too when the socket is unavailable). Polling stops once the run has finished and been read back.
import { useEffect, useReducer, useRef, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { RunDetails } from '../api/types';
import type { LiveServerMessage } from '@imageflow/contracts';
import { applyLiveMessage, applyRunDetails, initialRunLive, isFinished, type RunLive } from './live-state';
import { watchRunLive } from './live-socket';

type Action =
  | { type: 'reset'; runId: string; nodeIds: readonly string[] }
  | { type: 'live'; message: LiveServerMessage }
  | { type: 'details'; details: RunDetails };

function reducer(state: RunLive | null, action: Action): RunLive | null {
  if (action.type === 'reset') return initialRunLive(action.runId, action.nodeIds);
  if (!state) return state;
  return action.type === 'live'
    ? applyLiveMessage(state, action.message)
    : applyRunDetails(state, action.details);
}

const POLL_MS = 1000;

export interface RunWatch {
  live: RunLive | null;
  details: RunDetails | null;
  /** True when the WebSocket could not be used and the states come from polling only. */
  polling: boolean;
}

export function useRunWatch(
  client: ApiClient,
  apiKey: string,
  runId: string | null,
  nodeIds: readonly string[],
): RunWatch {
  const [live, dispatch] = useReducer(reducer, null);
  const [details, setDetails] = useState<RunDetails | null>(null);
  const [polling, setPolling] = useState(false);
  const nodeIdsRef = useRef(nodeIds);
  nodeIdsRef.current = nodeIds;

  useEffect(() => {
    if (!runId) return;
    dispatch({ type: 'reset', runId, nodeIds: nodeIdsRef.current });
    setDetails(null);
    setPolling(false);
    const close = watchRunLive(
      apiKey,
      runId,
      (message) => dispatch({ type: 'live', message }),
      () => setPolling(true),
    );
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    const poll = async () => {
      try {
        const d = await client.getRun(runId, abort.signal);
        if (stopped) return;
        setDetails(d);
        dispatch({ type: 'details', details: d });
        if (d.status === 'completed' || d.status === 'failed') return;
      } catch (error) {
        // 404 until the projector has seen the run; anything else is retried too.
        if (stopped || (error instanceof ApiError && error.unauthorized)) return;
      }
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      abort.abort();
      if (timer) clearTimeout(timer);
      close();
    };
  }, [client, apiKey, runId]);

  return { live, details, polling: polling && !(live && isFinished(live)) };
}
