/**
 * Signed QA overrides: `?arm=B&qa=<token>` puts one request in arm B, for people checking an arm
 * before or during an experiment. A token is
 *
 *   base64url(HMAC-SHA256(secret, experimentId + ":" + arm + ":" + expiryEpochSeconds)) + "." + expiry
 *
 * so it is bound to one experiment, one arm and an expiry. Web Crypto only (Node 20+, workerd).
 */

export type QaRejection = "malformed" | "expired" | "bad_signature";
export type QaVerdict = { ok: true; expiresAt: number } | { ok: false; reason: QaRejection };

/** Tokens live at most this long (the CLI refuses longer TTLs; verification refuses later expiries). */
export const MAX_QA_TTL_SECONDS = 30 * 86_400;
const TOKEN_RE = /^([A-Za-z0-9_-]{43})\.(\d{1,12})$/u;
const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/gu, "-").replace(/\//gu, "_").replace(/=+$/u, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/gu, "+").replace(/_/gu, "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

const key = (secret: string, usage: "sign" | "verify") =>
  crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);

const message = (experimentId: string, arm: string, expiresAt: number) => encoder.encode(`${experimentId}:${arm}:${expiresAt}`);

export async function mintQaToken(options: { secret: string; experimentId: string; arm: string; expiresAt: number }): Promise<string> {
  const { secret, experimentId, arm, expiresAt } = options;
  if (secret === "") throw new Error("the QA secret must not be empty");
  if (!Number.isInteger(expiresAt) || expiresAt < 0 || expiresAt >= 1e12) throw new Error("expiresAt must be whole epoch seconds");
  const signature = await crypto.subtle.sign("HMAC", await key(secret, "sign"), message(experimentId, arm, expiresAt));
  return `${toBase64Url(new Uint8Array(signature))}.${expiresAt}`;
}

/** Checks a token for an experiment and arm at `nowSeconds`; the signature check is constant-time. */
export async function verifyQaToken(options: { secret: string; experimentId: string; arm: string; token: string; nowSeconds: number }): Promise<QaVerdict> {
  const { secret, experimentId, arm, token, nowSeconds } = options;
  const match = token.length <= 64 ? TOKEN_RE.exec(token) : null;
  if (!match || secret === "") return { ok: false, reason: "malformed" };
  const expiresAt = Number(match[2]);
  if (expiresAt <= nowSeconds) return { ok: false, reason: "expired" };
  if (expiresAt > nowSeconds + MAX_QA_TTL_SECONDS) return { ok: false, reason: "malformed" };
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = fromBase64Url(match[1]!);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const valid = await crypto.subtle.verify("HMAC", await key(secret, "verify"), signature, message(experimentId, arm, expiresAt));
  return valid ? { ok: true, expiresAt } : { ok: false, reason: "bad_signature" };
}
