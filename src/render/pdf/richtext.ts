/**
 * Plain-text maths → typeset Unicode: subscripts and superscripts (X_11 → X₁₁, W_xh → Wₓₕ,
 * x^2 → x²) where Unicode has the glyphs; anything else is left as written.
 */
const SUB: Record<string, string> = {
  '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉',
  '+': '₊', '-': '₋', '−': '₋', '=': '₌', '(': '₍', ')': '₎',
  a: 'ₐ', e: 'ₑ', h: 'ₕ', i: 'ᵢ', j: 'ⱼ', k: 'ₖ', l: 'ₗ', m: 'ₘ', n: 'ₙ', o: 'ₒ', p: 'ₚ', r: 'ᵣ', s: 'ₛ', t: 'ₜ', u: 'ᵤ', v: 'ᵥ', x: 'ₓ',
};
const SUP: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
  '+': '⁺', '-': '⁻', '−': '⁻', '(': '⁽', ')': '⁾', n: 'ⁿ', i: 'ⁱ', T: 'ᵀ', t: 'ᵗ',
};

function convert(s: string, table: Record<string, string>): string | undefined {
  let out = '';
  for (const ch of s) {
    const c = table[ch];
    if (c === undefined) return undefined;
    out += c;
  }
  return out;
}

/** Only short symbols get sub/superscripts (X_11, W_xh, h_t), never identifiers like ceil_mode. */
function isSymbolBase(text: string, at: number): boolean {
  const before = /([A-Za-zθσμαβγδηλ∂Σ]*)$/.exec(text.slice(0, at))?.[1] ?? '';
  return (before.length >= 1 && before.length <= 2) || /[)\]']$/.test(text.slice(0, at));
}

export function typeset(text: string): string {
  return text
    .replace(/([_^])\{([^{}]+)\}/g, (m, op: string, body: string, at: number, all: string) =>
      isSymbolBase(all, at) ? (convert(body, op === '_' ? SUB : SUP) ?? m) : m,
    )
    .replace(/([_^])([A-Za-z0-9]{1,3}|[+\-−]?\d+)(?![A-Za-z0-9_])/g, (m, op: string, body: string, at: number, all: string) =>
      isSymbolBase(all, at) ? (convert(body, op === '_' ? SUB : SUP) ?? m) : m,
    );
}
