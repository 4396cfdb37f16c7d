/** The limits' defaults are the documented ones (docs/security.md, docs/server.md). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/options.js';

describe('defaults', () => {
  it('are the documented ones', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxInFlight: 256,
      maxRetainedCalls: 1024,
      maxDetachedSessionsPerAddress: 256,
      maxDetachedSessions: 10_000,
      maxBufferedBytes: 8 * 1024 * 1024,
      maxEarlyFrames: 64,
      maxEarlyBytes: 1024 * 1024,
      maxSubscriptions: 256,
      maxReplayEvents: 10_000,
      replayEventsPerSecond: 20_000,
      maxConnections: 10_000,
      maxConnectionsPerAddress: 1_000,
      messagesPerSecond: 20_000,
      messageBurst: 20_000,
      maxDepth: 64,
      maxBigIntDigits: 4_096,
      maxAnnotations: 10_000,
    });
  });
});
