/**
 * Raw DEFLATE. Compressing (at build time) goes through the Compression Streams API; inflating
 * (while serving) is synchronous JavaScript (fflate). Measured on a cold workerd isolate: stream
 * completions there wait behind the background compilation of the ONNX runtime's WebAssembly,
 * which held the first response back by up to half a second; a synchronous inflate never yields.
 */
import { inflateSync } from "fflate";

export async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const out = new Response(new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("deflate-raw")));
  return new Uint8Array(await out.arrayBuffer());
}

export function inflate(data: Uint8Array, what: string): Uint8Array {
  try {
    return inflateSync(data);
  } catch (e) {
    throw new Error(`${what}: corrupt compressed data (${(e as Error).message})`);
  }
}
