// Dataset fingerprint throughput against a memcpy (Buffer.copy) of the same bytes, measured
// side by side in one process, plus the time environment and hardware capture take.
// Run: npm run build && node bench/capture-fingerprint.mjs   (MiB=<size> to change the 256 MiB default)
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { xxh3 } from '@node-rs/xxhash';
import { createXXHash128 } from 'hash-wasm';
import { captureEnvironment, captureHardware, fingerprintTensors } from '../packages/core/dist/index.js';

// The streaming 128-bit options the digest was chosen from (1 MiB updates, as batches arrive).
const { XXHash128, XXHash3 } = createRequire(new URL('../packages/core/package.json', import.meta.url))(
  'xxhash-addon',
);
const wasm128 = await createXXHash128();
const CHUNK = 1 << 20;

const RUNS = 7;
const MIB = Number(process.env.MiB ?? 256);
const bytes = MIB * 1024 * 1024;
const features = 16;

const data = new Float32Array(bytes / 4);
let seed = 1;
for (let i = 0; i < data.length; i++) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  data[i] = seed / 2 ** 32 - 0.5;
}
const tensor = { name: 'x', data, shape: [data.length / features, features], dtype: 'float32' };
const source = Buffer.from(data.buffer);
const target = Buffer.allocUnsafe(bytes);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

// Statistics over every row: fingerprint 1 Mi-element slices, each under the sampling cap.
const sliceRows = (1 << 20) / features;
function fullStats() {
  for (let row = 0; row < tensor.shape[0]; row += sliceRows) {
    const slice = data.subarray(row * features, (row + sliceRows) * features);
    fingerprintTensors([{ data: slice, shape: [slice.length / features, features], dtype: 'float32' }], {
      stats: true,
    });
  }
}

function inChunks(update) {
  for (let offset = 0; offset < bytes; offset += CHUNK) update(source.subarray(offset, offset + CHUNK));
}

const cases = {
  'Buffer.copy (memcpy reference)': () => source.copy(target),
  'option: xxhash-addon XXH3-128 stream (shipped, format v2)': () => {
    const h = new XXHash128(Buffer.alloc(8));
    inChunks((c) => h.update(c));
    h.digest();
  },
  'option: two @node-rs/xxhash XXH3-64 streams (format v1)': () => {
    const a = xxh3.Xxh3.withSeed(0n);
    const b = xxh3.Xxh3.withSeed(0x9e3779b97f4a7c15n);
    inChunks((c) => {
      a.update(c);
      b.update(c);
    });
    a.digest();
    b.digest();
  },
  'option: hash-wasm XXH3-128 stream': () => {
    wasm128.init();
    inChunks((c) => wasm128.update(c));
    wasm128.digest();
  },
  'option: @node-rs/xxhash xxh128, one shot (cannot stream)': () => xxh3.xxh128(source),
  'floor: one XXH3-64 stream (64 bits only)': () => {
    const h = new XXHash3(Buffer.alloc(8));
    inChunks((c) => h.update(c));
    h.digest();
  },
  'fingerprint, digest only': () => fingerprintTensors([tensor], { stats: false }),
  'fingerprint, digest + stats (as shipped: sampled rows)': () => fingerprintTensors([tensor]),
  'fingerprint, digest + stats over every row (1 Mi-element slices)': fullStats,
};

const seconds = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let run = 0; run < RUNS; run++) {
  // Interleaved so that noise from the machine hits every case alike.
  for (const [name, fn] of Object.entries(cases)) seconds[name].push(time(fn));
}

console.log(
  `machine: ${cpus()[0]?.model} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`,
);
console.log(`data: ${MIB} MiB float32, shape [${tensor.shape}], median of ${RUNS} runs`);
const copy = median(seconds['Buffer.copy (memcpy reference)']);
for (const [name, values] of Object.entries(seconds)) {
  const s = median(values);
  console.log(
    `${name.padEnd(68)} ${(bytes / 1e9 / s).toFixed(2).padStart(6)} GB/s  ${(s * 1000).toFixed(1).padStart(7)} ms  ${(s / copy).toFixed(2)}x copy`,
  );
}

async function timeAsync(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// First call pays module loading and probes; hardware is cached per process afterwards.
const envMs = [];
for (let run = 0; run < 5; run++) {
  envMs.push(
    await timeAsync(() => captureEnvironment({ git: true, packages: true, envAllowlist: ['NODE_ENV'] })),
  );
}
const hwFirst = await timeAsync(() => captureHardware());
const hwCached = await timeAsync(() => captureHardware());
console.log(`captureEnvironment (git + packages, this repo)   median ${median(envMs).toFixed(1)} ms of 5`);
console.log(
  `captureHardware first call                      ${hwFirst.toFixed(1)} ms; cached ${hwCached.toFixed(3)} ms`,
);
