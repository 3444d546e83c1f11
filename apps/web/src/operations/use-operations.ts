import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { PipelineOperations } from '../api/types';

const EVERY_MS = 5_000;

/** Reads the operations of a pipeline version every 5 s while `target` is set. */
export function useOperations(
  client: ApiClient,
  target: { pipelineId: string; version: string | null } | null,
): { ops: PipelineOperations | null; error: string } {
  const [ops, setOps] = useState<PipelineOperations | null>(null);
  const [error, setError] = useState('');
  const pipelineId = target?.pipelineId;
  const version = target?.version ?? undefined;
  useEffect(() => {
    setOps(null);
    setError('');
    if (!pipelineId) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        setOps(await client.getOperations(pipelineId, version, abort.signal));
        setError('');
      } catch (e) {
        if (abort.signal.aborted) return;
        setError(e instanceof Error ? e.message : String(e));
      }
      if (!abort.signal.aborted) timer = setTimeout(() => void load(), EVERY_MS);
    };
    void load();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [client, pipelineId, version]);
  return { ops, error };
}
