// The browser side of the live WebSocket (libs/contracts/src/live.ts). The contract's constants are repeated here
// because the contracts package's entry also loads the gRPC client, which has no place in a browser bundle;
// `satisfies` makes the compiler check they are still the contract's values.
import type {
  LIVE_BEARER_PROTOCOL_PREFIX as ContractBearerPrefix,
  LIVE_PATH as ContractPath,
  LIVE_PROTOCOL as ContractProtocol,
  LiveClientMessage,
  LiveServerMessage,
} from '@imageflow/contracts';

export const LIVE_PATH = '/api/v1/live' satisfies typeof ContractPath;
export const LIVE_PROTOCOL = 'imageflow.live.v1' satisfies typeof ContractProtocol;
export const LIVE_BEARER_PROTOCOL_PREFIX = 'imageflow.bearer.' satisfies typeof ContractBearerPrefix;

export const liveUrl = (location: { protocol: string; host: string }): string =>
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${LIVE_PATH}`;

/** Browsers cannot set headers on a WebSocket: the key travels as a second subprotocol. */
export const liveProtocols = (apiKey: string): string[] => [
  LIVE_PROTOCOL,
  `${LIVE_BEARER_PROTOCOL_PREFIX}${apiKey}`,
];

const TYPES = new Set(['run.started', 'step', 'run.finished', 'ack']);

/** One frame as a server message, or undefined for anything else (never throws on a bad frame). */
export function parseLiveFrame(data: unknown): LiveServerMessage | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(data);
    if (parsed && typeof parsed === 'object' && TYPES.has(String((parsed as { type?: unknown }).type)))
      return parsed as LiveServerMessage;
  } catch {
    // not JSON
  }
  return undefined;
}

/**
 * Subscribes to one run. Returns a function that closes the socket. `onUnavailable` is called once when the socket
 * cannot be opened or closes before the caller is done, so the caller can rely on polling alone.
 */
export function watchRunLive(
  apiKey: string,
  runId: string,
  onMessage: (message: LiveServerMessage) => void,
  onUnavailable: () => void,
): () => void {
  let closedByUs = false;
  let socket: WebSocket;
  try {
    socket = new WebSocket(liveUrl(window.location), liveProtocols(apiKey));
  } catch {
    onUnavailable();
    return () => undefined;
  }
  socket.onopen = () => {
    const subscribe: LiveClientMessage = { type: 'subscribe', runId };
    socket.send(JSON.stringify(subscribe));
  };
  socket.onmessage = (event) => {
    const message = parseLiveFrame(event.data);
    if (message) onMessage(message);
  };
  socket.onclose = () => {
    if (!closedByUs) onUnavailable();
  };
  return () => {
    closedByUs = true;
    socket.close();
  };
}
