// polkadot-js's sr25519: the wasm schnorrkel of @polkadot/wasm-crypto and, for reference,
// @polkadot/util-crypto's sr25519Sign/sr25519Verify (pure JS through @scure/sr25519 since
// util-crypto 13): signatures and verifications per second over the same 128-byte message and
// seed as bench/sr25519_bench.cpp. Prints one JSON line:
// {"sign_per_s": ..., "verify_per_s": ..., "util_crypto_sign_per_s": ..., "util_crypto_verify_per_s": ...}.
//   node bench/polkadotjs_sr25519.js [seconds per job (default 2)]
'use strict';

const path = require('path');
const modules = path.join(__dirname, '..', 'tests', 'interop', 'node_modules');
const { cryptoWaitReady, sr25519PairFromSeed, sr25519Sign, sr25519Verify } =
  require(path.join(modules, '@polkadot/util-crypto'));
const wasm = require(path.join(modules, '@polkadot/wasm-crypto'));

function rate(seconds, fn) {
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let n = 0;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 50; ++i) fn();
    n += 50;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

(async () => {
  await cryptoWaitReady();
  await wasm.waitReady();
  if (!wasm.isReady()) throw new Error('@polkadot/wasm-crypto did not initialise');
  const seconds = Number(process.argv[2] || 2);
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  const msg = new Uint8Array(128).fill(0x5a);
  const pair = sr25519PairFromSeed(seed);
  const sig = sr25519Sign(msg, pair);
  if (!sr25519Verify(msg, sig, pair.publicKey)) throw new Error('polkadot-js signature does not verify');
  const kp = wasm.sr25519KeypairFromSeed(seed);
  const [secret, pub] = [kp.slice(0, 64), kp.slice(64)];
  const wsig = wasm.sr25519Sign(pub, secret, msg);
  if (!wasm.sr25519Verify(wsig, msg, pub)) throw new Error('wasm signature does not verify');
  const out = {
    sign_per_s: rate(seconds, () => wasm.sr25519Sign(pub, secret, msg)),
    verify_per_s: rate(seconds, () => { if (!wasm.sr25519Verify(wsig, msg, pub)) throw new Error('verify'); }),
    util_crypto_sign_per_s: rate(seconds, () => sr25519Sign(msg, pair)),
    util_crypto_verify_per_s: rate(seconds, () => { if (!sr25519Verify(msg, sig, pair.publicKey)) throw new Error('verify'); }),
  };
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
