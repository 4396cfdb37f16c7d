/**
 * A storage in one JSON file (superjson, so Dates, Maps, Sets and BigInts in inputs survive), for a Node
 * process whose calls must survive a restart. Each write replaces the file atomically (write, then rename).
 * One process per file: two processes on one file would share a session.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import superjson from 'superjson';
import { applyWrite, EMPTY_STATE, type CallStorage, type StoredState } from './storage.js';

export function fileStorage(path: string): CallStorage {
  let state: StoredState = EMPTY_STATE;
  return {
    async load() {
      try {
        state = superjson.parse<StoredState>(await readFile(path, 'utf8'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        state = EMPTY_STATE;
      }
      return state;
    },
    async write(batch) {
      state = applyWrite(state, batch);
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, superjson.stringify(state));
      await rename(temp, path);
    },
  };
}
