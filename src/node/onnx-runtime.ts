/** onnxruntime-web's WASM backend in Node: the same runtime as the Worker, given the .wasm bytes. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as ort from "onnxruntime-web/wasm";

let configured = false;

export function onnxRuntime(): typeof ort {
  if (!configured) {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmBinary = readFileSync(createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"));
    configured = true;
  }
  return ort;
}
