/**
 * Suffix array construction by induced sorting (SA-IS, Nong, Zhang & Chan 2009): linear time
 * over an integer alphabet. The text must end with a unique smallest symbol (0).
 */

/** Suffix array of `text` (values in [0, alphabetSize), text[n-1] = 0 and 0 nowhere else). */
export function suffixArray(text: Int32Array | Uint32Array, alphabetSize: number): Int32Array {
  const n = text.length;
  if (n === 0 || text[n - 1] !== 0) throw new Error("suffixArray: text must end with the sentinel 0");
  const sa = new Int32Array(n);
  sais(Int32Array.from(text), sa, n, alphabetSize);
  return sa;
}

function buckets(s: Int32Array, n: number, k: number, end: boolean): Int32Array {
  const bkt = new Int32Array(k);
  for (let i = 0; i < n; i++) bkt[s[i]!]!++;
  let sum = 0;
  for (let c = 0; c < k; c++) {
    sum += bkt[c]!;
    bkt[c] = end ? sum : sum - bkt[c]!;
  }
  return bkt;
}

function induceL(t: Uint8Array, sa: Int32Array, s: Int32Array, n: number, k: number): void {
  const bkt = buckets(s, n, k, false);
  for (let i = 0; i < n; i++) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 0) sa[bkt[s[j]!]!++] = j;
  }
}

function induceS(t: Uint8Array, sa: Int32Array, s: Int32Array, n: number, k: number): void {
  const bkt = buckets(s, n, k, true);
  for (let i = n - 1; i >= 0; i--) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 1) sa[--bkt[s[j]!]!] = j;
  }
}

function sais(s: Int32Array, sa: Int32Array, n: number, k: number): void {
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  // t[i] = 1 for S-type suffixes, 0 for L-type.
  const t = new Uint8Array(n);
  t[n - 1] = 1;
  for (let i = n - 2; i >= 0; i--) t[i] = s[i]! < s[i + 1]! || (s[i] === s[i + 1] && t[i + 1] === 1) ? 1 : 0;
  const isLms = (i: number): boolean => i > 0 && t[i] === 1 && t[i - 1] === 0;

  // Stage 1: sort the LMS substrings by induction.
  let bkt = buckets(s, n, k, true);
  sa.fill(-1);
  for (let i = 1; i < n; i++) if (isLms(i)) sa[--bkt[s[i]!]!] = i;
  induceL(t, sa, s, n, k);
  induceS(t, sa, s, n, k);

  let n1 = 0;
  for (let i = 0; i < n; i++) if (isLms(sa[i]!)) sa[n1++] = sa[i]!;
  for (let i = n1; i < n; i++) sa[i] = -1;
  let name = 0;
  let prev = -1;
  for (let i = 0; i < n1; i++) {
    const pos = sa[i]!;
    let diff = false;
    for (let d = 0; d < n; d++) {
      if (prev === -1 || s[pos + d] !== s[prev + d] || t[pos + d] !== t[prev + d]) {
        diff = true;
        break;
      } else if (d > 0 && (isLms(pos + d) || isLms(prev + d))) break;
    }
    if (diff) {
      name++;
      prev = pos;
    }
    sa[n1 + (pos >>> 1)] = name - 1;
  }
  for (let i = n - 1, j = n - 1; i >= n1; i--) if (sa[i]! >= 0) sa[j--] = sa[i]!;

  // Stage 2: sort the reduced string (recursively if names repeat).
  const sa1 = sa.subarray(0, n1);
  const s1 = sa.subarray(n - n1);
  if (name < n1) sais(s1.slice(), sa1, n1, name);
  else for (let i = 0; i < n1; i++) sa1[s1[i]!] = i;

  // Stage 3: induce the full suffix array from the sorted LMS suffixes.
  bkt = buckets(s, n, k, true);
  for (let i = 1, j = 0; i < n; i++) if (isLms(i)) s1[j++] = i;
  for (let i = 0; i < n1; i++) sa1[i] = s1[sa1[i]!]!;
  for (let i = n1; i < n; i++) sa[i] = -1;
  for (let i = n1 - 1; i >= 0; i--) {
    const j = sa[i]!;
    sa[i] = -1;
    sa[--bkt[s[j]!]!] = j;
  }
  induceL(t, sa, s, n, k);
  induceS(t, sa, s, n, k);
}
