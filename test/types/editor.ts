/**
 * How fast the editor answers after an edit, for Ackwire and tRPC v11 on the generated projects (see
 * generate.ts). Drives tsserver (TypeScript's language server, what VS Code runs) over its stdio protocol:
 *
 *   npm run types:editor -- 1000         (N procedures; default 1000; --rounds R, default 5)
 *
 * For each system: open client.ts (the file with a typed call to every procedure), wait for the first
 * answer (the project loads), then R rounds of: edit the file (insert a line), ask for the quick info
 * (hover) on a call's result field; edit again, ask for the completions of `client.ns7.`. Each time is
 * from sending the edit to the answer, as a user sees it. Prints the median of each.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, generate, type System } from './generate.js';

const args = process.argv.slice(2);
let rounds = 5;
let n = 1000;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = Number(args[++i]);
  else n = Number(args[i]);
}

interface Response {
  request_seq: number;
  success: boolean;
  body?: unknown;
  message?: string;
}

class TsServer {
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, (r: Response) => void>();
  private readonly proc = spawn(process.execPath, ['--max-old-space-size=8192', join(ROOT, 'node_modules/typescript/lib/tsserver.js'), '--disableAutomaticTypingAcquisition'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });

  constructor() {
    this.proc.stdout.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const header = this.buffer.indexOf('\r\n\r\n');
        if (header < 0) return;
        const length = Number(/Content-Length: (\d+)/.exec(this.buffer.subarray(0, header).toString())?.[1]);
        if (this.buffer.length < header + 4 + length) return;
        const msg = JSON.parse(this.buffer.subarray(header + 4, header + 4 + length).toString()) as { type: string } & Response;
        this.buffer = this.buffer.subarray(header + 4 + length);
        if (msg.type === 'response') {
          this.waiting.get(msg.request_seq)?.(msg);
          this.waiting.delete(msg.request_seq);
        }
      }
    });
  }

  /** Send a request; resolves with its response (or at once for commands that have none). */
  request(command: string, args: unknown, answered = true): Promise<Response> {
    const seq = ++this.seq;
    this.proc.stdin.write(JSON.stringify({ seq, type: 'request', command, arguments: args }) + '\n');
    if (!answered) return Promise.resolve({ request_seq: seq, success: true });
    return new Promise((resolve) => this.waiting.set(seq, resolve));
  }

  close(): void {
    this.proc.kill();
  }
}

/** 1-based line and offset of the end of `needle`'s first occurrence in `text`. */
function positionAfter(text: string, needle: string): { line: number; offset: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`"${needle}" not in the file`);
  const before = text.slice(0, at + needle.length).split('\n');
  return { line: before.length, offset: before[before.length - 1]!.length + 1 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measureSystem(system: System): Promise<{ first: number; hover: number; completion: number; sample: string }> {
  const dir = generate(system, n);
  const file = join(dir, 'client.ts');
  const text = readFileSync(file, 'utf8');
  const server = new TsServer();
  try {
    await server.request('open', { file, fileContent: text, projectRootPath: dir }, false);
    // The hover target: the procedure called (Ackwire's p5, tRPC's mutate of p5), in namespace ns5.
    const hoverAt = positionAfter(text, system === 'ackwire' ? 'client.ns5.p5({' : 'client.ns5.p5.mutate({');
    const started = performance.now();
    const first = await server.request('quickinfo', { file, line: hoverAt.line, offset: hoverAt.offset - 3 });
    const firstMs = performance.now() - started;
    if (!first.success) throw new Error(`quickinfo failed: ${first.message}`);
    const hovers: number[] = [];
    const completions: number[] = [];
    let sample = '';
    const end = positionAfter(text, '  return out;');
    for (let r = 0; r < rounds; r++) {
      // An edit above the hover target's line would move it; edit below it, at the end of callAll.
      let t = performance.now();
      await server.request('change', { file, line: end.line, offset: 1, endLine: end.line, endOffset: 1, insertString: `  void ${r};\n` }, false);
      const hover = await server.request('quickinfo', { file, line: hoverAt.line, offset: hoverAt.offset - 3 });
      hovers.push(performance.now() - t);
      if (!hover.success) throw new Error(`quickinfo failed: ${hover.message}`);
      sample = (hover.body as { displayString?: string }).displayString?.split('\n')[0]?.slice(0, 100) ?? '';
      // Completions after `client.ns7.` on a new line.
      const line = end.line + r + 1;
      t = performance.now();
      await server.request('change', { file, line, offset: 1, endLine: line, endOffset: 1, insertString: `  client.ns7.\n` }, false);
      const completion = await server.request('completionInfo', { file, line, offset: 14, triggerCharacter: '.' });
      completions.push(performance.now() - t);
      const entries = (completion.body as { entries?: Array<{ name: string }> } | undefined)?.entries ?? [];
      if (!entries.some((e) => e.name === 'p7')) throw new Error(`no completion p7 for client.ns7. (got ${entries.length} entries)`);
      // Undo the completion line so the file stays valid for the next round.
      await server.request('change', { file, line, offset: 1, endLine: line + 1, endOffset: 1, insertString: '' }, false);
    }
    return { first: firstMs, hover: median(hovers), completion: median(completions), sample };
  } finally {
    server.close();
  }
}

console.log(`N = ${n}, ${rounds} rounds, median ms from the edit to the answer`);
console.log('| system | first answer (project load) | hover after an edit | completion after an edit |');
console.log('|---|---|---|---|');
for (const system of ['trpc', 'ackwire'] as const) {
  const r = await measureSystem(system);
  console.log(`| ${system} | ${Math.round(r.first)} ms | ${Math.round(r.hover)} ms | ${Math.round(r.completion)} ms |`);
  if (process.env.SHOW_HOVER) console.log(`  hover: ${r.sample}`);
}
