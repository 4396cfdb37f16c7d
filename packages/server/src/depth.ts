/**
 * Nesting depth of JSON text, measured before parsing so that a deeply nested frame costs one linear scan
 * and never reaches a recursive parser, schema or codec. Brackets inside strings do not count.
 */

/** True when `text` nests arrays/objects deeper than `max` (the outermost bracket is depth 1). */
export function nestsDeeperThan(text: string, max: number): boolean {
  if (text.length <= max || opensAtMost(text, max)) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the string: its closing quote is the next one after an even run of backslashes.
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j === -1) return false; // unterminated: JSON.parse refuses it
        let k = j - 1;
        while (text.charCodeAt(k) === 0x5c /* \ */) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/**
 * True when `text` holds at most `max` opening brackets, strings included: it cannot nest deeper than that.
 * Most frames have a handful, and counting them with `indexOf` spares the character-by-character scan.
 */
function opensAtMost(text: string, max: number): boolean {
  let count = 0;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++count > max) return false;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++count > max) return false;
  return true;
}

const ID_FRAME = /^\s*\[\s*(3|7)\s*,\s*([1-9]\d{0,15})\s*,/;

/** The id of a call or subscribe frame, read without parsing it (for answering a frame too deep to parse). */
export function peekRequestId(text: string): number | undefined {
  const m = ID_FRAME.exec(text.slice(0, 64));
  if (!m) return undefined;
  const id = Number(m[2]);
  return Number.isSafeInteger(id) ? id : undefined;
}
