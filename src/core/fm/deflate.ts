/**
 * Raw DEFLATE through the Compression Streams API, which Node 20 and workerd both implement
 * natively: the stored index gets entropy coding for free, the decoded form stays fast.
 */
async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

export function deflate(data: Uint8Array): Promise<Uint8Array> {
  return pipe(data, new CompressionStream("deflate-raw"));
}

export async function inflate(data: Uint8Array, what: string): Promise<Uint8Array> {
  try {
    return await pipe(data, new DecompressionStream("deflate-raw"));
  } catch (e) {
    throw new Error(`${what}: corrupt compressed data (${(e as Error).message})`);
  }
}
