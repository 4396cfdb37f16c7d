/**
 * The import graph of every packages/<name>/src, read with the TypeScript compiler's parser (no
 * other tool: the graph is small, and TypeScript already knows every import form we use):
 *
 * - no import cycles, type-only imports included (a type cycle is a concept split across two files);
 * - the server core (packages/server/src outside ws/) and core load no `ws`, `node:http`, `node:https`,
 *   `node:tls` or `node:net`: only a binding may (`import type` is allowed: it is erased);
 * - no file of the core imports a binding.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

interface Edge {
  readonly to: string;
  /** Erased at run time (`import type`, `export type`). */
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importsOf(file: string): Edge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const edges: Edge[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      edges.push({ to: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly === true });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      edges.push({ to: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    }
  }
  return edges;
}

/** A relative specifier as the file it names (`./x.js` is `x.ts`); undefined for packages. */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return resolve(dirname(from), specifier).replace(/\.js$/, '.ts');
}

const graph = new Map<string, Array<Edge & { file: string | undefined }>>();
for (const pkg of packages) {
  for (const file of sourceFiles(join(root, 'packages', pkg, 'src'))) {
    graph.set(
      file,
      importsOf(file).map((e) => ({ ...e, file: resolveLocal(file, e.to) })),
    );
  }
}

const rel = (file: string): string => relative(root, file);

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const { file: w } of graph.get(v) ?? []) {
      if (!w || !graph.has(w)) continue;
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(rel(w));
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).some((e) => e.file === v);
      if (component.length > 1 || selfLoop) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

const BINDING_ONLY = new Set(['ws', 'node:http', 'node:https', 'node:tls', 'node:net', 'http', 'https', 'tls', 'net']);
const bindingDir = join(root, 'packages/server/src/ws');
const isCore = (file: string): boolean =>
  file.startsWith(join(root, 'packages/core/src')) || (file.startsWith(join(root, 'packages/server/src')) && !file.startsWith(bindingDir));

describe('the import graph of packages/*/src', () => {
  it('reads every package (the check sees the files it is meant to)', () => {
    const files = [...graph.keys()].map(rel);
    expect(files).toContain('packages/server/src/connection.ts');
    expect(files).toContain('packages/server/src/ws/attach.ts');
    expect(files).toContain('packages/client/src/connection.ts');
    expect([...graph.values()].flat().length).toBeGreaterThan(100);
  });

  it('has no import cycles', () => {
    expect(cycles()).toStrictEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const a = join(root, 'packages/server/src/__a.ts');
    const b = join(root, 'packages/server/src/__b.ts');
    graph.set(a, [{ to: './__b.js', typeOnly: true, file: b }]);
    graph.set(b, [{ to: './__a.js', typeOnly: false, file: a }]);
    try {
      expect(cycles()).toContainEqual(['packages/server/src/__a.ts', 'packages/server/src/__b.ts']);
    } finally {
      graph.delete(a);
      graph.delete(b);
    }
  });

  it('keeps ws, node:http, node:https, node:tls and node:net out of the core (only bindings load them)', () => {
    const offending = [...graph]
      .filter(([file]) => isCore(file))
      .flatMap(([file, edges]) => edges.filter((e) => !e.typeOnly && BINDING_ONLY.has(e.to)).map((e) => `${rel(file)} -> ${e.to}`));
    expect(offending).toStrictEqual([]);
  });

  it('has the core import no binding', () => {
    const offending = [...graph]
      .filter(([file]) => isCore(file))
      .flatMap(([file, edges]) => edges.filter((e) => e.file?.startsWith(bindingDir)).map((e) => `${rel(file)} -> ${e.to}`));
    expect(offending).toStrictEqual([]);
  });
});
