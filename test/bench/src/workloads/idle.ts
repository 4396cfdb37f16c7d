/** Workload C, the load side: open connections in batches until each is ready, then hold them idle. */
import type { BenchClient, RpcConnection } from '../systems/types.js';

export class IdlePool {
  private readonly conns: RpcConnection[] = [];
  failed = 0;

  constructor(
    private readonly client: BenchClient,
    private readonly url: string,
  ) {}

  get size(): number {
    return this.conns.length;
  }

  /** Open `count` more connections, `batch` at a time. */
  async open(count: number, batch: number): Promise<{ opened: number; failed: number; ms: number }> {
    const t0 = performance.now();
    let failed = 0;
    for (let i = 0; i < count; i += batch) {
      const n = Math.min(batch, count - i);
      const results = await Promise.allSettled(
        Array.from({ length: n }, async () => {
          const conn = await this.client.connect(this.url);
          await conn.ready;
          return conn;
        }),
      );
      for (const r of results) {
        if (r.status === 'fulfilled') this.conns.push(r.value);
        else if (++failed <= 3) console.error(`[load] connect failed: ${String(r.reason)}`);
      }
    }
    this.failed += failed;
    return { opened: count - failed, failed, ms: performance.now() - t0 };
  }
}
