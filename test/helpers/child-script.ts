/**
 * Child processes that run a TypeScript script of test/helpers/child against the packages' sources: the
 * script is bundled with esbuild (package names mapped to src/, as in vitest.config.ts) and run with node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCES: Record<string, string> = {
  '@ackwire/core': `${ROOT}packages/core/src/index.ts`,
  '@ackwire/core/internal': `${ROOT}packages/core/src/internal.ts`,
  '@ackwire/server': `${ROOT}packages/server/src/index.ts`,
  '@ackwire/client': `${ROOT}packages/client/src/node.ts`,
};

export interface Child {
  readonly process: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  readonly output: () => string;
  /** Resolves with the exit code (or signal) once it exits. */
  readonly exited: Promise<number | string>;
  kill(): void;
}

/** Bundle `test/helpers/child/<name>.ts` and run it with `args`. */
export async function runChild(name: string, args: string[] = []): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), 'ackwire-child-'));
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [`${ROOT}test/helpers/child/${name}.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    // `ws` is CommonJS: give the ESM bundle a `require` for its Node built-ins.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    external: ['bufferutil', 'utf-8-validate'],
    plugins: [
      {
        name: 'ackwire-sources',
        setup(b) {
          b.onResolve({ filter: /^@ackwire\/(core|core\/internal|server|client)$/ }, (args) => ({ path: SOURCES[args.path]! }));
        },
      },
    ],
  });
  const child = spawn(process.execPath, [outfile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  return { process: child, output: () => out, exited, kill: () => child.kill('SIGKILL') };
}
