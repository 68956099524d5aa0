// polkadot-js with sr25519 keyring accounts (the default of wallets and subkey) against
// epochvault-devnode.
//   tests/interop/with-devnode.sh --npm <epochvault-devnode> node tests/interop/polkadotjs_sr25519_devnode.js
// An sr25519 wallet (//Ferdie, funded by --dev) signs and sends `vaultPointers.authorizeAgent`
// for an sr25519 agent (//Eve//agent/1, a derived key with a soft junction), then
// `vaultPointers.revokeAgent`; both must be accepted (events, storage, the Sr25519
// MultiSignature in the block). A signature altered after signing must be refused with
// "bad signature". Exits 1 with a message on the first mismatch and after 90 s at the latest.
'use strict';

const path = require('path');
const modules = path.join(__dirname, 'node_modules');
const { ApiPromise, WsProvider } = require(path.join(modules, '@polkadot/api'));
const { Keyring } = require(path.join(modules, '@polkadot/keyring'));
const { cryptoWaitReady } = require(path.join(modules, '@polkadot/util-crypto'));
const { u8aToString } = require(path.join(modules, '@polkadot/util'));

const kTimeoutMs = 90_000;
let api;

function step(msg) {
  console.log(`[polkadot-js sr25519] ${msg}`);
}

function fail(msg) {
  console.error(`[polkadot-js sr25519] FAIL: ${msg}`);
  process.exit(1);
}

function expectEq(what, got, want) {
  if (got !== want) fail(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  step(`${what} = ${JSON.stringify(got)}`);
}

// Signs and sends `tx`; resolves with {blockHash, events} once finalized, rejects on a dispatch
// error, an invalid/dropped status or an RPC error.
function sendAndFinalize(tx, signer, label) {
  return new Promise((resolve, reject) => {
    let unsub = null;
    tx.signAndSend(signer, (result) => {
      const { status, events, dispatchError } = result;
      step(`${label}: status ${status.type}`);
      if (status.isInvalid || status.isDropped || status.isUsurped || status.isFinalityTimeout) {
        if (unsub) unsub();
        reject(new Error(`${label}: transaction ${status.type}`));
        return;
      }
      if (status.isFinalized) {
        if (unsub) unsub();
        if (dispatchError) {
          reject(new Error(`${label}: dispatch failed: ${dispatchError.toString()}`));
          return;
        }
        resolve({ blockHash: status.asFinalized.toHex(), events });
      }
    }).then((u) => { unsub = u; }, (err) => reject(new Error(`${label}: ${err.message}`)));
  });
}

async function main() {
  const url = process.env.EV_DEVNODE_URL;
  if (!url) fail('EV_DEVNODE_URL is not set (run under tests/interop/with-devnode.sh)');
  await cryptoWaitReady();
  const provider = new WsProvider(url, false);
  await provider.connect();
  api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
  step(`connected to ${url}`);

  const sr = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const wallet = sr.addFromUri('//Ferdie');
  const agent = sr.addFromUri('//Eve//agent/1');
  step(`wallet //Ferdie (sr25519) ${wallet.address}`);
  step(`agent //Eve//agent/1 (sr25519) ${agent.address}`);
  expectEq('sr25519 AccountId = public key', api.createType('AccountId32', wallet.address).toHex(),
    `0x${Buffer.from(wallet.publicKey).toString('hex')}`);
  const info = await api.query.system.account(wallet.address);
  if (info.data.free.isZero()) fail('the sr25519 //Ferdie account is not funded by --dev');

  // A signature altered after signing is refused as a bad signature (1010).
  const forged = await api.tx.system.remarkWithEvent('0x01').signAsync(wallet);
  let refusal = null;
  {
    const hex = Buffer.from(forged.toU8a());
    // Flip one bit of R (first signature byte): the marker bit stays set, so only the proof fails.
    const sigOffset = hex.indexOf(Buffer.from(forged.signature.toU8a()));
    if (sigOffset < 0) fail('signature bytes not found in the extrinsic');
    hex[sigOffset] ^= 1;
    try {
      await api.rpc.author.submitExtrinsic(`0x${hex.toString('hex')}`);
    } catch (e) {
      refusal = e.message;
    }
  }
  if (!refusal || !/bad signature/i.test(refusal)) fail(`altered sr25519 signature: got ${refusal}`);
  step(`altered sr25519 signature refused: ${refusal}`);

  const tx = api.tx.vaultPointers.authorizeAgent(agent.address, ['mail'], 'Read');
  const res = await sendAndFinalize(tx, wallet, 'authorizeAgent');
  const authorized = res.events.filter(({ event }) => api.events.vaultPointers.AgentAuthorized.is(event));
  expectEq('AgentAuthorized events', authorized.length, 1);
  expectEq('AgentAuthorized.wallet', authorized[0].event.data[0].toString(), wallet.address);
  expectEq('AgentAuthorized.agent', authorized[0].event.data[1].toString(), agent.address);
  const block = await api.rpc.chain.getBlock(res.blockHash);
  const ours = block.block.extrinsics.find((x) => x.hash.toHex() === tx.hash.toHex());
  if (!ours) fail(`authorizeAgent ${tx.hash.toHex()} is not in block ${res.blockHash}`);
  expectEq('extrinsic signer', ours.signer.toString(), wallet.address);
  expectEq('extrinsic MultiSignature variant', ours.inner.signature.multiSignature.type, 'Sr25519');
  const grant = await api.query.vaultPointers.agents(wallet.address, agent.address);
  if (grant.isNone) fail('vaultPointers.agents(wallet, agent) is none after authorizeAgent');
  expectEq('grant.services', JSON.stringify(grant.unwrap().services.map((s) => u8aToString(s.toU8a(true)))),
    JSON.stringify(['mail']));
  expectEq('grant.revokedAt.isNone', grant.unwrap().revokedAt.isNone, true);

  const rev = await sendAndFinalize(api.tx.vaultPointers.revokeAgent(agent.address), wallet, 'revokeAgent');
  expectEq('AgentRevoked events',
    rev.events.filter(({ event }) => api.events.vaultPointers.AgentRevoked.is(event)).length, 1);
  const revBlock = (await api.rpc.chain.getHeader(rev.blockHash)).number.toNumber();
  const after = await api.query.vaultPointers.agents(wallet.address, agent.address);
  expectEq('grant.revokedAt after revokeAgent', after.unwrap().revokedAt.unwrapOr(null)?.toNumber(), revBlock);
  expectEq('system_accountNextIndex(wallet)',
    (await api.rpc.system.accountNextIndex(wallet.address)).toNumber(), info.nonce.toNumber() + 2);
  step('OK');
}

const timer = setTimeout(() => fail(`timed out after ${kTimeoutMs / 1000} s`), kTimeoutMs);
main().then(async () => {
  clearTimeout(timer);
  await api.disconnect();
  process.exit(0);
}, (e) => fail(e && e.stack ? e.stack : String(e)));
