// sr25519 interop: epochvault's own implementation (through the `epochvault key` CLI) against
// polkadot-js's wasm schnorrkel (@polkadot/wasm-crypto), polkadot-js's @polkadot/util-crypto and
// keyring (which sign and derive through @scure/sr25519 0.2) and @scure/sr25519 2.3 (an
// independent pure-JS implementation).
//   tests/interop/with-npm.sh node tests/interop/sr25519_interop.js <epochvault binary>
// For random keys and messages: both verify our signatures and we verify theirs (and refuse
// them for a changed message); our public keys equal theirs. For random SURIs (random phrases
// or 0x seeds, mixed hard/soft junctions, some with passwords) our public key and SS58 address
// equal polkadot-js keyring's. Exits 1 with a message on the first mismatch.
'use strict';

const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const modules = path.join(__dirname, 'node_modules');
const { Keyring } = require(path.join(modules, '@polkadot/keyring'));
const utilCrypto = require(path.join(modules, '@polkadot/util-crypto'));
const { u8aToHex, hexToU8a } = require(path.join(modules, '@polkadot/util'));
const wasm = require(path.join(modules, '@polkadot/wasm-crypto'));

const kKeys = Number(process.env.EV_SR25519_INTEROP_KEYS || 12);
const kSuris = Number(process.env.EV_SR25519_INTEROP_SURIS || 24);
const cli = process.argv[2];
let checks = 0;

function fail(msg) {
  console.error(`[sr25519 interop] FAIL: ${msg}`);
  process.exit(1);
}

function expectEq(what, got, want) {
  if (got !== want) fail(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  checks += 1;
}

function ours(args, { mayFail = false } = {}) {
  try {
    return { ok: true, out: execFileSync(cli, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    if (!mayFail) fail(`epochvault ${args.join(' ')}: ${e.stderr || e.message}`);
    return { ok: false, out: String(e.stderr || '') };
  }
}

function oursInspect(suri) {
  return JSON.parse(ours(['key', 'inspect', suri, '--scheme', 'sr25519', '--output', 'json']).out);
}

function oursSign(suri, msg) {
  return ours(['key', 'sign', '--suri', suri, '--scheme', 'sr25519', '--message', u8aToHex(msg)]).out.trim();
}

function oursVerifies(sig, pub, msg) {
  return ours(['key', 'verify', sig, pub, '--scheme', 'sr25519', '--message', u8aToHex(msg)],
    { mayFail: true }).ok;
}

function randomMessage() {
  const n = crypto.randomInt(0, 600);
  return n === 0 ? new Uint8Array() : new Uint8Array(crypto.randomBytes(n));
}

function flipped(msg) {
  if (msg.length === 0) return new Uint8Array([0]);
  const out = new Uint8Array(msg);
  out[crypto.randomInt(0, out.length)] ^= 1 << crypto.randomInt(0, 8);
  return out;
}

// A junction name both implementations read the same way: letters/digits/dashes or a number,
// never one that looks like hex ("0x..."), which polkadot-js reads as raw bytes and sp-core as
// text (a documented divergence).
function randomJunctionName() {
  if (crypto.randomInt(0, 3) === 0) return String(crypto.randomInt(0, 1_000_000));
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.';
  const len = crypto.randomInt(1, 45);  // past 32 bytes the chain code is a blake2 hash
  let s = 'j';
  for (let i = 0; i < len; ++i) s += alphabet[crypto.randomInt(0, alphabet.length)];
  return s;
}

async function main() {
  if (!cli) fail('usage: sr25519_interop.js <epochvault binary>');
  await utilCrypto.cryptoWaitReady();
  await wasm.waitReady();
  if (!wasm.isReady()) fail('@polkadot/wasm-crypto did not initialise');
  const scure = await import(path.join(modules, '@scure/sr25519/index.js'));
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });

  for (let i = 0; i < kKeys; ++i) {
    const seed = new Uint8Array(crypto.randomBytes(32));
    const suri = u8aToHex(seed);
    const info = oursInspect(suri);
    const pjs = utilCrypto.sr25519PairFromSeed(seed);
    const scureSecret = scure.secretFromSeed(seed);
    const pub = u8aToHex(pjs.publicKey);
    expectEq(`key ${i}: public key vs polkadot-js`, info.publicKey, pub);
    expectEq(`key ${i}: public key vs @scure/sr25519`, info.publicKey, u8aToHex(scure.getPublicKey(scureSecret)));
    const wasmPair = wasm.sr25519KeypairFromSeed(seed);  // secret (64) || public (32)
    const wasmSecret = wasmPair.slice(0, 64);
    const wasmPublic = wasmPair.slice(64);
    expectEq(`key ${i}: public key vs wasm schnorrkel`, info.publicKey, u8aToHex(wasmPublic));
    expectEq(`key ${i}: SS58 vs polkadot-js keyring`, info.ss58Address, keyring.addFromSeed(seed).address);

    // Ours -> theirs.
    const msg = randomMessage();
    const sig = oursSign(suri, msg);
    expectEq(`key ${i}: polkadot-js verifies our signature`, utilCrypto.sr25519Verify(msg, sig, pjs.publicKey), true);
    expectEq(`key ${i}: @scure/sr25519 verifies our signature`, scure.verify(msg, hexToU8a(sig), pjs.publicKey), true);
    expectEq(`key ${i}: wasm schnorrkel verifies our signature`, wasm.sr25519Verify(hexToU8a(sig), msg, wasmPublic), true);
    expectEq(`key ${i}: wasm schnorrkel refuses our signature for a changed message`,
      wasm.sr25519Verify(hexToU8a(sig), flipped(msg), wasmPublic), false);
    expectEq(`key ${i}: polkadot-js refuses our signature for a changed message`,
      utilCrypto.sr25519Verify(flipped(msg), sig, pjs.publicKey), false);

    // Theirs -> ours.
    const pjsSig = u8aToHex(utilCrypto.sr25519Sign(msg, pjs));
    const scureSig = u8aToHex(scure.sign(scureSecret, msg));
    const wasmSig = u8aToHex(wasm.sr25519Sign(wasmPublic, wasmSecret, msg));
    expectEq(`key ${i}: we verify wasm schnorrkel's signature`, oursVerifies(wasmSig, pub, msg), true);
    expectEq(`key ${i}: we refuse wasm schnorrkel's signature for a changed message`,
      oursVerifies(wasmSig, pub, flipped(msg)), false);
    expectEq(`key ${i}: we verify polkadot-js's signature`, oursVerifies(pjsSig, pub, msg), true);
    expectEq(`key ${i}: we verify @scure/sr25519's signature`, oursVerifies(scureSig, pub, msg), true);
    expectEq(`key ${i}: we refuse polkadot-js's signature for a changed message`,
      oursVerifies(pjsSig, pub, flipped(msg)), false);
    expectEq(`key ${i}: we refuse @scure/sr25519's signature for a changed message`,
      oursVerifies(scureSig, pub, flipped(msg)), false);
    expectEq(`key ${i}: we verify by SS58 address`, oursVerifies(pjsSig, info.ss58Address, msg), true);
  }
  console.log(`[sr25519 interop] ${kKeys} random keys: public keys equal, signatures verify both ways`);

  for (let i = 0; i < kSuris; ++i) {
    let suri = crypto.randomInt(0, 2) === 0
      ? utilCrypto.mnemonicGenerate(12)
      : u8aToHex(new Uint8Array(crypto.randomBytes(32)));
    const junctions = crypto.randomInt(1, 5);
    for (let j = 0; j < junctions; ++j) suri += (crypto.randomInt(0, 2) === 0 ? '//' : '/') + randomJunctionName();
    if (!suri.startsWith('0x') && crypto.randomInt(0, 3) === 0) suri += `///pw${crypto.randomInt(0, 1e6)}`;
    const info = oursInspect(suri);
    const pair = keyring.createFromUri(suri);
    expectEq(`SURI ${JSON.stringify(suri)}: public key`, info.publicKey, u8aToHex(pair.publicKey));
    expectEq(`SURI ${JSON.stringify(suri)}: SS58 address`, info.ss58Address, pair.address);
    // A key reached through a derivation signs for polkadot-js too.
    const msg = randomMessage();
    expectEq(`SURI ${JSON.stringify(suri)}: polkadot-js verifies our signature`,
      utilCrypto.sr25519Verify(msg, oursSign(suri, msg), pair.publicKey), true);
    expectEq(`SURI ${JSON.stringify(suri)}: we verify keyring's signature`,
      oursVerifies(u8aToHex(pair.sign(msg)), info.publicKey, msg), true);
  }
  console.log(`[sr25519 interop] ${kSuris} random SURIs: public keys and addresses equal polkadot-js keyring's`);
  console.log(`[sr25519 interop] ${checks} checks passed`);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
