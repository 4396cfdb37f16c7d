/** Which part of the system a function belongs to (an Ackwire package, a dependency, Node, the harness),
 * for CPU profiles (profile-summary.ts) and call counts (call-counts.ts). */
import { fileURLToPath } from 'node:url';

/** The script a V8 profile or coverage entry names, as a path where it is a file. */
export function pathOf(url: string): string {
  return url.startsWith('file://') ? fileURLToPath(url) : url;
}

/** The area of a function from its script's URL and name. */
export function areaOf(frame: { url: string; functionName: string }): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'native (program)';
    return 'native/builtin';
  }
  const path = pathOf(url);
  const pkg = /\/packages\/(core|server|client)\/(dist|src)\//.exec(path);
  if (pkg) return `@ackwire/${pkg[1]}`;
  const dep = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (dep) return dep[1]!;
  if (url.startsWith('node:')) return 'node internals';
  // The hand-written systems (a raw `ws` echo, the hand-written Ackwire exchange) are what they measure.
  if (path.includes('/test/bench/src/systems/')) return 'bench system';
  if (path.includes('/test/bench/')) return 'bench harness';
  return 'other';
}
