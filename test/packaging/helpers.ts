/**
 * The packages as a user gets them: built (packages/build.mjs, incremental, one build at a time) and packed
 * with `npm pack` into a temporary directory.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PACKAGES = ['core', 'server', 'client', 'redis', 'react'] as const;
const run = promisify(execFile);

/** Build the packages if their sources changed. */
export async function buildPackages(): Promise<void> {
  await run(process.execPath, [join(ROOT, 'packages/build.mjs'), '--packages'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
}

export interface Packed {
  readonly name: string;
  readonly tarball: string;
  /** Paths inside the package, sorted. */
  readonly files: string[];
}

/** `npm pack` each package into a new temporary directory; `cleanup` removes it. */
export async function packAll(): Promise<{ dir: string; packed: Record<(typeof PACKAGES)[number], Packed>; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'ackwire-pack-'));
  const packed = {} as Record<(typeof PACKAGES)[number], Packed>;
  for (const p of PACKAGES) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(ROOT, 'packages', p), maxBuffer: 16 * 1024 * 1024 });
    const [info] = JSON.parse(stdout) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>;
    packed[p] = { name: info!.name, tarball: join(dir, info!.filename), files: info!.files.map((f) => f.path).sort() };
  }
  return { dir, packed, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
