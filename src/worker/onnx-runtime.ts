/**
 * onnxruntime-web's WASM backend inside workerd. workerd forbids compiling WebAssembly from bytes,
 * so the runtime's .wasm is imported as a precompiled module (wrangler's CompiledWasm rule) and
 * handed to ORT: ORT 1.30 has no instantiateWasm hook, so it gets a marker `wasmBinary`, and a
 * one-time wrapper of WebAssembly.instantiate answers that marker with the imported module's
 * instance. One thread, no proxy worker: an isolate has neither.
 */
import * as ort from "onnxruntime-web/wasm";
import ortWasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm";

// The 8-byte WebAssembly header: ORT copies it and asks WebAssembly.instantiate to compile it.
const MARKER = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

function isMarker(source: unknown): boolean {
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : undefined;
  return bytes !== undefined && bytes.length === MARKER.length && bytes.every((b, i) => b === MARKER[i]);
}

let configured = false;

/** The ORT module, configured for workerd (idempotent). */
export function onnxRuntime(): typeof ort {
  if (!configured) {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmBinary = MARKER;
    const instantiate = WebAssembly.instantiate.bind(WebAssembly);
    WebAssembly.instantiate = (async (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
      if (!isMarker(source)) return instantiate(source as BufferSource, imports);
      const instance = await instantiate(ortWasm, imports);
      return { instance, module: ortWasm };
    }) as typeof WebAssembly.instantiate;
    configured = true;
  }
  return ort;
}
