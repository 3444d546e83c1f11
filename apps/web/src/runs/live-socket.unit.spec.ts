import { describe, expect, it } from 'vitest';
import { liveProtocols, liveUrl, parseLiveFrame } from './live-socket';

describe('live socket', () => {
  it('connects to the gateway it was served from, with the key as a subprotocol', () => {
    expect(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api/v1/live');
    expect(liveUrl({ protocol: 'https:', host: 'factory.example' })).toBe(
      'wss://factory.example/api/v1/live',
    );
    expect(liveProtocols('ifk_abc-DEF_1')).toEqual(['imageflow.live.v1', 'imageflow.bearer.ifk_abc-DEF_1']);
  });

  it('reads server messages and ignores anything else without throwing', () => {
    const step = { type: 'step', runId: 'r', nodeId: 'n', state: 'done' };
    expect(parseLiveFrame(JSON.stringify(step))).toEqual(step);
    expect(parseLiveFrame('not json')).toBeUndefined();
    expect(parseLiveFrame(JSON.stringify({ type: 'other' }))).toBeUndefined();
    expect(parseLiveFrame(JSON.stringify(null))).toBeUndefined();
    expect(parseLiveFrame(new ArrayBuffer(2))).toBeUndefined();
  });
});
