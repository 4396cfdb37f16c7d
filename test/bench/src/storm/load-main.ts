/** Workload G's load process: `node --import tsx src/storm/load-main.ts <system>`; see load.ts. */
import { parentChannel } from '../ipc.js';
import type { StormClient, StormSystem } from './contract.js';
import { StormRun, type StormParams } from './load.js';

const system = process.argv[2] as StormSystem;
const client: StormClient = system === 'ackwire' ? (await import('./ackwire-client.js')).client : (await import('./socketio-client.js')).client;
const channel = parentChannel();
let run: StormRun | undefined;

channel.handle(async (req) => {
  const p = req.params as StormParams;
  switch (req.type) {
    case 'open':
      run = new StormRun(client, req.url as string);
      return run.open(p);
    case 'calls':
      return run!.startCalls(p.callsPerClient);
    case 'await-recovery':
      // The server's CPU is read when the last client is back (the runner asks the server).
      return run!.awaitRecovery(req.at as number, p, () => channel.request({ type: 'server-snapshot' }));
    case 'collect':
      return run!.collect(req.log as number[]);
    case 'exit':
      setImmediate(() => process.exit(0));
      return true;
    default:
      throw new Error(`unknown request ${req.type}`);
  }
});

await channel.request({ type: 'ready', pid: process.pid });
