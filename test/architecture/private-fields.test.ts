/**
 * Dependencies are used through their public APIs: no file of packages/<name>/src reads a member whose
 * name starts with `_` (the JavaScript convention for a private field), except packages/core/src/ws-private.ts,
 * the one file that reads `ws`'s private fields, each pinned by a test. `_zod` is allowed: it is zod's
 * documented interface for libraries (zod/v4/core).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED_FILE = 'packages/core/src/ws-private.ts';
const ALLOWED_NAMES = new Set(['_zod']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** `file:line name` for every read of an `_`-named member (`a._x`, `a?._x`, `a['_x']`). */
function privateReads(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    let name: string | undefined;
    if (ts.isPropertyAccessExpression(node)) name = node.name.text;
    else if (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression)) name = node.argumentExpression.text;
    if (name?.startsWith('_') && !ALLOWED_NAMES.has(name)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      found.push(`${relative(root, file)}:${line} ${name}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('private fields of dependencies', () => {
  const files = readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      try {
        return sourceFiles(join(root, 'packages', e.name, 'src'));
      } catch {
        return [];
      }
    });

  it('are read only in packages/core/src/ws-private.ts', () => {
    expect(files.length).toBeGreaterThan(50);
    const reads = files.filter((f) => relative(root, f) !== ALLOWED_FILE).flatMap((f) => privateReads(f));
    expect(reads).toEqual([]);
  });

  it('finds such a read when there is one (the check itself works)', () => {
    const reads = privateReads(join(root, 'packages/x/src/y.ts'), "const s = (ws as any)._socket; const r = ws['_receiver']; const z = schema._zod;");
    expect(reads).toEqual(['packages/x/src/y.ts:1 _socket', 'packages/x/src/y.ts:1 _receiver']);
    expect(privateReads(join(root, ALLOWED_FILE)).length).toBeGreaterThan(0);
  });
});
