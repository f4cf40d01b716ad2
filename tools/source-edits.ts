/** A span of source text and what replaces it; start === end inserts. */
export interface Replacement {
  start: number;
  end: number;
  text: string;
}

/** `code` with every replacement made; spans must not overlap. Applied from the end, so earlier offsets stay valid. */
export function applyReplacements(code: string, replacements: Replacement[]): string {
  const ordered = replacements.slice().sort((a, b) => b.start - a.start);
  let out = code;
  for (const r of ordered) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return out;
}
