/**
 * A load-generator process: `node --import tsx src/load-main.ts <client>`. Runs the client side of one
 * workload against the server URL the runner gives it, and reports what it measured. Connections it holds
 * open close when the process exits.
 */
import { parentChannel } from './ipc.js';
import { settledMemory } from './memory.js';
import type { ServerSnapshot } from './server-main.js';
import { loadClient, type ClientName } from './systems/index.js';
import { ConnectRun, type ConnectParams } from './workloads/connect.js';
import { Fanout, type FanoutParams } from './workloads/fanout.js';
import { IdlePool } from './workloads/idle.js';
import { runRpc, type RpcParams } from './workloads/rpc.js';

const client = await loadClient(process.argv[2] as ClientName);
const channel = parentChannel();
const serverSnapshot = () => channel.request<ServerSnapshot>({ type: 'server-snapshot' });

let fanout: Fanout | undefined;
let idle: IdlePool | undefined;
let connect: ConnectRun | undefined;

channel.handle(async (req) => {
  const url = req.url as string;
  switch (req.type) {
    case 'rpc':
      return runRpc(client, url, req.params as RpcParams, serverSnapshot);
    case 'subscribe':
      fanout = new Fanout(client, (req.urls as string[] | undefined) ?? url, req.params as FanoutParams);
      return fanout.subscribe();
    case 'settle':
      return fanout!.settle(req.quietMs as number);
    case 'collect':
      return fanout!.collect(req.quietMs as number);
    case 'idle':
      idle ??= new IdlePool(client, url);
      return idle.open(req.count as number, req.batch as number);
    case 'connect':
      connect = new ConnectRun(client, url);
      return connect.run(req.params as ConnectParams);
    case 'memory':
      return settledMemory();
    case 'exit':
      setImmediate(() => process.exit(0));
      return true;
    default:
      throw new Error(`unknown request ${req.type}`);
  }
});

await channel.request({ type: 'ready', pid: process.pid });
