// Live run updates over WebSocket: what the gateway sends and what a client may ask for. The gateway reads the run
// log (imageflow.run-events.v1) and turns each event into one of these messages; the web canvas and the CLI read
// them. JSON text frames, one message per frame.
//
// Connect:   ws://<gateway>/api/v1/live   with the API key as `Authorization: Bearer <key>` (non-browser clients)
//            or as the subprotocol `imageflow.bearer.<key>` next to `imageflow.live.v1` (browsers cannot set headers).
// Subscribe: send {"type":"subscribe","runId":"…"} or {"type":"subscribe","pipelineId":"…"} (several allowed);
//            {"type":"unsubscribe", …} with the same fields ends one.

/** The path of the WebSocket endpoint on the gateway. */
export const LIVE_PATH = '/api/v1/live';
/** The subprotocol a client must offer; the gateway answers with it. */
export const LIVE_PROTOCOL = 'imageflow.live.v1';
/** Prefix of the subprotocol carrying the API key for browser clients. */
export const LIVE_BEARER_PROTOCOL_PREFIX = 'imageflow.bearer.';

export type LiveClientMessage =
  | { type: 'subscribe'; runId: string }
  | { type: 'subscribe'; pipelineId: string }
  | { type: 'unsubscribe'; runId: string }
  | { type: 'unsubscribe'; pipelineId: string };

/** A node's state in a run as the canvas draws it. */
export type LiveStepState = 'requested' | 'running' | 'done' | 'failed' | 'skipped';

export interface LiveRunStarted {
  type: 'run.started';
  runId: string;
  pipelineId: string;
  pipelineVersion: string;
  imageId: string;
  trigger: 'CAPTURE' | 'MANUAL' | 'REPLAY';
  /** ISO-8601 time of the event. */
  at: string;
}

export interface LiveStep {
  type: 'step';
  runId: string;
  pipelineId: string;
  nodeId: string;
  state: LiveStepState;
  /** 1-based attempt the event is about. */
  attempt: number;
  at: string;
  /** For done / failed: time from the step's request (or start, when known) to this event. */
  durationMs: number | null;
  /** For failed: the reason code and message. */
  error: { code: string; message: string } | null;
}

export interface LiveRunFinished {
  type: 'run.finished';
  runId: string;
  pipelineId: string;
  status: 'COMPLETED' | 'FAILED';
  /** The judgement's verdict when the pipeline has one (OK / NG). */
  verdict: string | null;
  at: string;
  durationMs: number | null;
  error: { code: string; message: string } | null;
}

/** Acknowledges a subscribe / unsubscribe, or says why it was refused. */
export interface LiveAck {
  type: 'ack';
  request: LiveClientMessage;
  ok: boolean;
  error: string | null;
}

export type LiveServerMessage = LiveRunStarted | LiveStep | LiveRunFinished | LiveAck;
