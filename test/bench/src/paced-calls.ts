/**
 * System calls per call for clients that call at a steady pace, as an application does, rather than as
 * fast as they can: 100 Ackwire clients, each making one call every `--pace` milliseconds for 6 s, against
 * the benchmark's Ackwire server in its own process. Prints, per call, the server's read and write system
 * calls and the load process's writes (from /proc/<pid>/io, so Linux only), and the CPU time of each side.
 * The ack of a result rides with the client's next call, so a paced client writes once per call.
 *
 *   npx tsx src/paced-calls.ts [--pace 200] [--clients 100]
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClient } from '@ackwire/client';
import { optionOf } from './fresh-process.js';
import { isEcho, makeInput } from './payload.js';
import { api } from './systems/ackwire-contract.js';
import { start } from './systems/ackwire-server.js';

interface Usage {
  cpuUs: number;
  reads: number;
  writes: number;
}

/** This process's CPU time and read/write system calls so far. */
function usage(): Usage {
  const io = new Map(
    readFileSync('/proc/self/io', 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(': ') as [string, string]),
  );
  const cpu = process.cpuUsage();
  return { cpuUs: cpu.user + cpu.system, reads: Number(io.get('syscr')), writes: Number(io.get('syscw')) };
}

const since = (a: Usage): Usage => {
  const b = usage();
  return { cpuUs: b.cpuUs - a.cpuUs, reads: b.reads - a.reads, writes: b.writes - a.writes };
};

const args = process.argv.slice(2);

if (args[0] === '--server') {
  // The server process: reports its usage between 'start' and 'stop'.
  const server = await start();
  let from = usage();
  let calls = 0;
  process.on('message', (m) => {
    if (m === 'start') {
      from = usage();
      calls = server.counters().calls;
      process.send!('started');
    } else {
      process.send!({ usage: since(from), calls: server.counters().calls - calls });
      void server.close().then(() => process.exit(0));
    }
  });
  process.send!(server.url);
} else {
  const pace = Number(optionOf(args, '--pace', '200'));
  const count = Number(optionOf(args, '--clients', '100'));
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { execArgv: process.execArgv });
  const reply = <T>(): Promise<T> => new Promise((resolve) => child.once('message', (m) => resolve(m as T)));
  const url = await reply<string>();
  const clients = Array.from({ length: count }, () => createClient(api, { url }));
  await Promise.all(clients.map((c) => c.$ready()));
  child.send('start');
  await reply();
  const from = usage();
  const t0 = Date.now();
  let seq = 0;
  let wrong = 0;
  await Promise.all(
    clients.map(async (c, k) => {
      await new Promise((r) => setTimeout(r, (k * pace) / count)); // spread over the period
      while (Date.now() - t0 < 6_000) {
        const input = makeInput(++seq);
        if (!isEcho(input, await c.bench.echo(input))) wrong++;
        await new Promise((r) => setTimeout(r, pace));
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 300)); // the server reads the last frames
  const load = since(from);
  child.send('stop');
  const server = await reply<{ usage: Usage; calls: number }>();
  for (const c of clients) c.$close();
  if (wrong > 0 || server.calls !== seq) throw new Error(`${wrong} wrong replies; ${seq} calls made, ${server.calls} run`);
  const per = (n: number) => (n / seq).toFixed(2);
  console.log(`${count} clients, one call every ${pace} ms each, ${seq} calls`);
  console.log(`  server: ${per(server.usage.reads)} reads, ${per(server.usage.writes)} writes, ${(server.usage.cpuUs / seq).toFixed(1)} µs CPU per call`);
  console.log(`  load:   ${per(load.writes)} writes, ${(load.cpuUs / seq).toFixed(1)} µs CPU per call`);
}
