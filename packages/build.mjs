#!/usr/bin/env node
/**
 * `npm run build`: builds the workspaces (those of packages/ and examples/chat/ with a build script) in the
 * order of their dependencies on each other, those of one step in parallel, and skips a
 * workspace whose inputs have not changed since its last build. A workspace's inputs are its src/ and
 * public/ files, its package.json, tsup and tsconfig files, the root tsconfig.json and package-lock.json,
 * and the inputs of the workspaces it depends on; their SHA-256 is kept in node_modules/.cache. Each
 * build's output is kept back and printed only if it fails: one line per workspace otherwise.
 *
 *   node packages/build.mjs             the packages and the chat example
 *   node packages/build.mjs --packages  the packages only
 *   node packages/build.mjs --force     rebuild everything
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'ackwire-build');

const args = new Set(process.argv.slice(2));
const force = args.has('--force');

/** Workspaces with a build script: every package, and (without --packages) the chat example's. */
function workspaces() {
  const dirs = [];
  for (const parent of args.has('--packages') ? ['packages'] : ['packages', 'examples/chat']) {
    for (const entry of readdirSync(join(ROOT, parent), { withFileTypes: true })) {
      const dir = `${parent}/${entry.name}`;
      if (!entry.isDirectory() || !existsSync(join(ROOT, dir, 'package.json'))) continue;
      const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
      if (pkg.scripts?.build) dirs.push({ dir, pkg });
    }
  }
  return dirs;
}

/** Steps in order: each holds the workspaces whose workspace dependencies are all in earlier steps. */
function stepsOf(list) {
  const local = new Set(list.map((w) => w.pkg.name));
  const done = new Set();
  const steps = [];
  let left = list;
  while (left.length > 0) {
    const ready = left.filter((w) => Object.keys({ ...w.pkg.dependencies, ...w.pkg.devDependencies, ...w.pkg.peerDependencies }).every((d) => !local.has(d) || done.has(d)));
    if (ready.length === 0) throw new Error(`workspace dependency cycle among ${left.map((w) => w.pkg.name).join(', ')}`);
    steps.push(ready.map((w) => w.dir));
    for (const w of ready) done.add(w.pkg.name);
    left = left.filter((w) => !ready.includes(w));
  }
  return steps;
}

const steps = stepsOf(workspaces());

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

const names = new Map(); // workspace dir -> package name
const hashes = new Map(); // package name -> input hash
for (const dir of steps.flat()) names.set(dir, JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')).name);

function inputHash(dir) {
  const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
  const hash = createHash('sha256');
  const own = ['src', 'public'].flatMap((d) => filesUnder(join(ROOT, dir, d)));
  for (const f of ['package.json', 'tsup.config.ts', 'tsconfig.json']) if (existsSync(join(ROOT, dir, f))) own.push(join(ROOT, dir, f));
  own.push(join(ROOT, 'tsconfig.json'), join(ROOT, 'package-lock.json'));
  for (const file of own.sort()) hash.update(`${relative(ROOT, file)}\0`).update(readFileSync(file)).update('\0');
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies }).sort()) {
    if (hashes.has(dep)) hash.update(`${dep}\0${hashes.get(dep)}\0`);
  }
  return hash.digest('hex');
}

function stampOf(name) {
  return join(CACHE, `${name.replace('/', '+')}.sha256`);
}

function run(dir, name) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', 'build', '-w', name], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ dir, name, code, output, seconds: (performance.now() - started) / 1000 }));
  });
}

/** One build at a time in this tree (test files build in parallel): a lock directory, stale after 10 min. */
async function lock() {
  const dir = join(CACHE, 'lock');
  for (const deadline = Date.now() + 10 * 60_000; ; ) {
    try {
      mkdirSync(dir);
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (Date.now() - statSync(dir, { throwIfNoEntry: false })?.mtimeMs > 10 * 60_000) rmSync(dir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another build holds ${dir}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

mkdirSync(CACHE, { recursive: true });
await lock();
const began = performance.now();
for (const step of steps) {
  const todo = [];
  for (const dir of step) {
    const name = names.get(dir);
    const hash = inputHash(dir);
    hashes.set(name, hash);
    const stamp = stampOf(name);
    const fresh = !force && existsSync(join(ROOT, dir, 'dist')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash;
    if (fresh) console.log(`  ${name}: up to date`);
    else {
      rmSync(stamp, { force: true });
      todo.push({ dir, name, hash });
    }
  }
  const results = await Promise.all(todo.map(({ dir, name }) => run(dir, name)));
  for (const [i, r] of results.entries()) {
    if (r.code !== 0) {
      process.stderr.write(`${r.output}\n  ${r.name}: build failed (exit ${r.code})\n`);
      process.exit(1);
    }
    writeFileSync(stampOf(r.name), todo[i].hash);
    console.log(`  ${r.name}: built in ${r.seconds.toFixed(1)} s`);
  }
}
const total = (performance.now() - began) / 1000;
console.log(`  build done in ${total.toFixed(1)} s`);
