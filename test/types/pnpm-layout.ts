/**
 * Builds a pnpm-like layout in a directory: every package in `node_modules/.pnpm/<name>/node_modules/<name>`
 * next to links to its own direct dependencies only, and each project's `node_modules` holding links to
 * its direct dependencies only. A package can then resolve exactly what it declares, as under pnpm.
 *
 * Ackwire's packages are copied (their sources, with `types` pointing at them), so that their real path
 * is inside the layout and their imports resolve from there; third-party packages are linked to the
 * repo's installed copies.
 */
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from './generate.js';

/** Ackwire's packages, their entry points and their direct dependencies (package.json's). */
const OURS: Record<string, { exports: Record<string, string>; deps: string[] }> = {
  '@ackwire/core': { exports: { '.': 'src/index.ts', './internal': 'src/internal.ts' }, deps: ['zod', 'superjson'] },
  '@ackwire/server': { exports: { '.': 'src/index.ts' }, deps: ['@ackwire/core', 'zod', 'ws', '@types/ws', '@types/node'] },
  '@ackwire/client': { exports: { '.': 'src/index.ts' }, deps: ['@ackwire/core', 'zod', 'ws', '@types/ws'] },
};

const storeDir = (base: string, name: string) => join(base, 'node_modules/.pnpm', name.replace('/', '+'), 'node_modules', name);

function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(relative(dirname(path), target), path, 'dir');
}

/** Put `name` in the store (once) and return its directory there. */
function store(base: string, name: string, done: Set<string>): string {
  const dir = storeDir(base, name);
  if (done.has(name)) return dir;
  done.add(name);
  const ours = OURS[name];
  if (!ours) {
    link(join(ROOT, 'node_modules', name), dir);
    return dir;
  }
  const short = name.split('/')[1]!;
  cpSync(join(ROOT, 'packages', short, 'src'), join(dir, 'src'), { recursive: true });
  const exports = Object.fromEntries(Object.entries(ours.exports).map(([k, v]) => [k, { types: `./${v}`, default: `./${v}` }]));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', types: './src/index.ts', exports }, null, 2));
  // Its dependencies sit next to it in the store's node_modules, as pnpm lays them out.
  for (const dep of ours.deps) link(store(base, dep, done), join(base, 'node_modules/.pnpm', name.replace('/', '+'), 'node_modules', dep));
  return dir;
}

/** A project at `base/<name>` with `files`, whose node_modules links `deps` (store packages or projects). */
export function project(base: string, name: string, files: Record<string, string>, deps: string[], done: Set<string>, projects: Record<string, string> = {}): string {
  const dir = join(base, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  for (const dep of deps) link(projects[dep] ?? store(base, dep, done), join(dir, 'node_modules', dep));
  return dir;
}
