// polkadot-js (the ecosystem's reference client) against epochvault-devnode.
//   tests/interop/with-devnode.sh --npm <epochvault-devnode> node tests/interop/polkadotjs_devnode.js
// Connects over WebSocket to EV_DEVNODE_URL, checks the runtime version and the decoded
// metadata, reads VaultPointers storage, signs and sends `vaultPointers.authorizeAgent` with an
// ecdsa keyring pair, waits for the AgentAuthorized event and reads the grant back, then sends
// `system.remarkWithEvent` signed by an ed25519 pair. Prints each step; exits 1 with a message
// on the first mismatch and after 90 s at the latest.
'use strict';

const path = require('path');
const modules = path.join(__dirname, 'node_modules');
const { ApiPromise, WsProvider } = require(path.join(modules, '@polkadot/api'));
const { Keyring } = require(path.join(modules, '@polkadot/keyring'));
const { cryptoWaitReady, blake2AsHex } = require(path.join(modules, '@polkadot/util-crypto'));
const { u8aToString, stringToHex } = require(path.join(modules, '@polkadot/util'));

const kTimeoutMs = 90_000;
let api;

function step(msg) {
  console.log(`[polkadot-js] ${msg}`);
}

function fail(msg) {
  console.error(`[polkadot-js] FAIL: ${msg}`);
  process.exit(1);
}

function expectEq(what, got, want) {
  if (got !== want) fail(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  step(`${what} = ${JSON.stringify(got)}`);
}

// Signs and sends `tx`, resolving with {blockHash, events, status history} once the extrinsic is
// finalized; rejects on a dispatch error, an invalid/dropped status or an RPC error.
function sendAndFinalize(tx, signer, label) {
  return new Promise((resolve, reject) => {
    const statuses = [];
    let inBlock = null;
    let unsub = null;
    tx.signAndSend(signer, (result) => {
      const { status, events, dispatchError } = result;
      statuses.push(status.type);
      step(`${label}: status ${status.type}${status.isInBlock ? ` ${status.asInBlock.toHex()}` : ''}` +
           `${status.isFinalized ? ` ${status.asFinalized.toHex()}` : ''}`);
      if (status.isInvalid || status.isDropped || status.isUsurped || status.isFinalityTimeout) {
        if (unsub) unsub();
        reject(new Error(`${label}: transaction ${status.type}`));
        return;
      }
      if (status.isInBlock) inBlock = status.asInBlock.toHex();
      if (status.isFinalized) {
        if (unsub) unsub();
        if (dispatchError) {
          let detail = dispatchError.toString();
          if (dispatchError.isModule) {
            const meta = api.registry.findMetaError(dispatchError.asModule);
            detail = `${meta.section}.${meta.name}`;
          }
          reject(new Error(`${label}: dispatch failed: ${detail}`));
          return;
        }
        resolve({ blockHash: status.asFinalized.toHex(), inBlock, events, statuses });
      }
    }).then((u) => { unsub = u; }, (err) => reject(new Error(`${label}: ${err.message}`)));
  });
}

async function main() {
  const url = process.env.EV_DEVNODE_URL;
  if (!url) fail('EV_DEVNODE_URL is not set (run under tests/interop/with-devnode.sh)');
  await cryptoWaitReady();

  step(`connecting to ${url}`);
  const provider = new WsProvider(url, false);
  provider.on('error', (e) => step(`provider error: ${e && e.message ? e.message : e}`));
  await provider.connect();
  api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: false });
  step(`connected: chain ${(await api.rpc.system.chain()).toString()}, genesis ${api.genesisHash.toHex()}`);

  // Runtime version and metadata.
  expectEq('runtimeVersion.specName', api.runtimeVersion.specName.toString(), 'epochvault-dev');
  expectEq('runtimeVersion.specVersion', api.runtimeVersion.specVersion.toNumber(), 100);
  expectEq('runtimeVersion.transactionVersion', api.runtimeVersion.transactionVersion.toNumber(), 1);
  expectEq('ss58Format', api.registry.chainSS58, 42);
  if (!api.tx.vaultPointers) fail('api.tx.vaultPointers is missing: metadata has no VaultPointers calls');
  if (!api.query.vaultPointers) fail('api.query.vaultPointers is missing: metadata has no VaultPointers storage');
  if (!api.events.vaultPointers) fail('api.events.vaultPointers is missing');
  const calls = Object.keys(api.tx.vaultPointers).sort();
  step(`vaultPointers calls: ${calls.join(', ')}`);
  for (const c of ['approveMeasurement', 'revokeMeasurement', 'registerWorker', 'authorizeAgent',
    'revokeAgent', 'openEpoch', 'registerBlob', 'reencryptBlob', 'removeBlob', 'rotateEpoch',
    'destroyEpoch']) {
    if (typeof api.tx.vaultPointers[c] !== 'function') fail(`api.tx.vaultPointers.${c} is missing`);
  }
  const items = Object.keys(api.query.vaultPointers).sort();
  step(`vaultPointers storage: ${items.join(', ')}`);
  for (const q of ['epochs', 'agents']) {
    if (typeof api.query.vaultPointers[q] !== 'function') fail(`api.query.vaultPointers.${q} is missing`);
  }

  // Keys: an ecdsa wallet and an ed25519 agent, both funded by --dev.
  const ecdsa = new Keyring({ type: 'ecdsa', ss58Format: 42 });
  const ed25519 = new Keyring({ type: 'ed25519', ss58Format: 42 });
  const wallet = ecdsa.addFromUri('//Bob');
  const agent = ed25519.addFromUri('//Dave');
  step(`wallet //Bob (ecdsa) ${wallet.address}`);
  step(`agent //Dave (ed25519) ${agent.address}`);
  const expectedWallet = blake2AsHex(wallet.publicKey, 256);
  expectEq('ecdsa AccountId = blake2_256(compressed public key)',
    api.createType('AccountId32', wallet.address).toHex(), expectedWallet);

  const walletInfo = await api.query.system.account(wallet.address);
  step(`System.Account(wallet): nonce ${walletInfo.nonce.toNumber()}, free ${walletInfo.data.free.toString()}`);
  if (walletInfo.data.free.isZero()) fail('the ecdsa //Bob account is not funded by --dev');

  // VaultPointers storage reads on a fresh chain.
  const epochs = await api.query.vaultPointers.epochs(wallet.address);
  expectEq('vaultPointers.epochs(wallet).isNone', epochs.isNone, true);
  const before = await api.query.vaultPointers.agents(wallet.address, agent.address);
  expectEq('vaultPointers.agents(wallet, agent).isNone before', before.isNone, true);

  // authorizeAgent signed by the ecdsa pair.
  const nonceBefore = (await api.rpc.system.accountNextIndex(wallet.address)).toNumber();
  step(`system_accountNextIndex(wallet) = ${nonceBefore}`);
  const tx = api.tx.vaultPointers.authorizeAgent(agent.address, ['mail'], 'ReadWrite');
  step(`authorizeAgent call ${tx.method.toHex()}`);
  const res = await sendAndFinalize(tx, wallet, 'authorizeAgent');
  // signAndSend fetches the events of an InBlock status asynchronously and switches to the next
  // status when it arrives; the dev node finalizes at once, so the callback may see Finalized
  // without InBlock. The raw status sequence is checked below (submitAndWatchExtrinsic).
  if (res.inBlock) expectEq('authorizeAgent inBlock hash = finalized hash', res.inBlock, res.blockHash);
  for (const { event, phase } of res.events) {
    step(`  event ${event.section}.${event.method} ${phase.toString()} ${JSON.stringify(event.data.toHuman())}`);
  }
  const authorized = res.events.filter(({ event }) => api.events.vaultPointers.AgentAuthorized.is(event));
  expectEq('AgentAuthorized events', authorized.length, 1);
  const [evWallet, evAgent, evServices] = authorized[0].event.data;
  expectEq('AgentAuthorized.wallet', evWallet.toString(), wallet.address);
  expectEq('AgentAuthorized.agent', evAgent.toString(), agent.address);
  expectEq('AgentAuthorized.services', JSON.stringify(evServices.map((s) => u8aToString(s.toU8a(true)))),
    JSON.stringify(['mail']));
  const success = res.events.filter(({ event }) => api.events.system.ExtrinsicSuccess.is(event));
  expectEq('System.ExtrinsicSuccess events', success.length, 1);

  const header = await api.rpc.chain.getHeader(res.blockHash);
  step(`block #${header.number.toNumber()} ${res.blockHash}`);
  const block = await api.rpc.chain.getBlock(res.blockHash);
  const ours = block.block.extrinsics.find((x) => x.hash.toHex() === tx.hash.toHex());
  if (!ours) fail(`authorizeAgent ${tx.hash.toHex()} is not in block ${res.blockHash}`);
  expectEq('extrinsic signer', ours.signer.toString(), wallet.address);
  expectEq('extrinsic isSigned', ours.isSigned, true);
  expectEq('extrinsic MultiSignature variant', ours.inner.signature.multiSignature.type, 'Ecdsa');
  expectEq('extrinsic call', `${ours.method.section}.${ours.method.method}`, 'vaultPointers.authorizeAgent');
  expectEq('extrinsic nonce', ours.nonce.toNumber(), nonceBefore);

  // The grant read back, at the block and at the head.
  const grantAt = await (await api.at(res.blockHash)).query.vaultPointers.agents(wallet.address, agent.address);
  if (grantAt.isNone) fail('vaultPointers.agents(wallet, agent) is none at the inclusion block');
  const grant = grantAt.unwrap();
  step(`vaultPointers.agents(wallet, agent) = ${JSON.stringify(grant.toHuman())}`);
  expectEq('grant.services', JSON.stringify(grant.services.map((s) => u8aToString(s.toU8a(true)))),
    JSON.stringify(['mail']));
  expectEq('grant.grantedAt', grant.grantedAt.toNumber(), header.number.toNumber());
  expectEq('grant.revokedAt.isNone', grant.revokedAt.isNone, true);
  expectEq('grant.access', grant.access.toString(), 'ReadWrite');
  const grantHead = await api.query.vaultPointers.agents(wallet.address, agent.address);
  expectEq('grant at head equals grant at block', grantHead.toHex(), grantAt.toHex());
  const nonceAfter = (await api.rpc.system.accountNextIndex(wallet.address)).toNumber();
  expectEq('system_accountNextIndex(wallet) after', nonceAfter, nonceBefore + 1);
  expectEq('System.Account(wallet).nonce after',
    (await api.query.system.account(wallet.address)).nonce.toNumber(), nonceBefore + 1);

  // Iteration (state_getKeysPaged + state_queryStorageAt) and the runtime APIs.
  const entries = await api.query.vaultPointers.agents.entries(wallet.address);
  expectEq('vaultPointers.agents.entries(wallet).length', entries.length, 1);
  const [entryKey, entryValue] = entries[0];
  expectEq('entry key args', JSON.stringify(entryKey.args.map((a) => a.toString())),
    JSON.stringify([wallet.address, agent.address]));
  expectEq('entry value', entryValue.toHex(), grantAt.toHex());
  expectEq('AccountNonceApi_account_nonce(wallet)',
    (await api.call.accountNonceApi.accountNonce(wallet.address)).toNumber(), nonceBefore + 1);
  expectEq('Metadata_metadata_versions', JSON.stringify((await api.call.metadata.metadataVersions()).toJSON()),
    JSON.stringify([14, 15]));
  const v15 = await api.call.metadata.metadataAtVersion(15);
  if (v15.isNone) fail('Metadata_metadata_at_version(15) is none');
  const v15bytes = v15.unwrap().toU8a(true);
  expectEq('metadata V15 magic and version', Buffer.from(v15bytes.subarray(0, 5)).toString('hex'), '6d6574610f');
  const rpcMethods = (await api.rpc.rpc.methods()).methods.map((m) => m.toString());
  for (const m of ['author_submitAndWatchExtrinsic', 'chain_subscribeFinalizedHeads', 'state_subscribeStorage',
    'state_getKeysPaged', 'system_accountNextIndex', 'state_call']) {
    if (!rpcMethods.includes(m)) fail(`rpc_methods lacks ${m}`);
  }
  step(`rpc_methods: ${rpcMethods.length} methods`);

  // revokeAgent seen through a storage subscription (state_subscribeStorage), then a second
  // revokeAgent fails with the pallet error decoded from metadata.
  const revokedSeen = new Promise((resolve) => {
    let unsubGrant = null;
    let done = false;
    api.query.vaultPointers.agents(wallet.address, agent.address, (g) => {
      step(`subscription: agents(wallet, agent) = ${JSON.stringify(g.toHuman())}`);
      if (!done && g.isSome && g.unwrap().revokedAt.isSome) {
        done = true;
        if (unsubGrant) unsubGrant();
        resolve(g.unwrap().revokedAt.unwrap().toNumber());
      }
    }).then((u) => { unsubGrant = u; if (done) u(); });
  });
  const rev = await sendAndFinalize(api.tx.vaultPointers.revokeAgent(agent.address), wallet, 'revokeAgent');
  const revEvents = rev.events.filter(({ event }) => api.events.vaultPointers.AgentRevoked.is(event));
  expectEq('AgentRevoked events', revEvents.length, 1);
  const revBlock = (await api.rpc.chain.getHeader(rev.blockHash)).number.toNumber();
  expectEq('subscribed grant revokedAt', await revokedSeen, revBlock);
  let again = null;
  try {
    await sendAndFinalize(api.tx.vaultPointers.revokeAgent(agent.address), wallet, 'revokeAgent again');
  } catch (e) {
    again = e.message;
  }
  expectEq('second revokeAgent', again, 'revokeAgent again: dispatch failed: vaultPointers.AgentRevoked');

  // Root through Sudo.sudo (signed by the ecdsa sudo key //Alice) inside Utility.batch_all.
  const alice = ecdsa.addFromUri('//Alice');
  const sudoKey = await api.query.sudo.key();
  expectEq('Sudo.Key', sudoKey.unwrapOr(null) === null ? null : sudoKey.unwrap().toString(), alice.address);
  const measurement = stringToHex('polkadot-js-measurement');
  const sres = await sendAndFinalize(api.tx.utility.batchAll([
    api.tx.sudo.sudo(api.tx.vaultPointers.approveMeasurement(measurement, 'Serve')),
    api.tx.system.remarkWithEvent(stringToHex('batched')),
  ]), alice, 'batchAll(sudo(approveMeasurement), remarkWithEvent)');
  const sudid = sres.events.filter(({ event }) => api.events.sudo.Sudid.is(event));
  expectEq('Sudo.Sudid events', sudid.length, 1);
  expectEq('Sudid.sudoResult.isOk', sudid[0].event.data[0].isOk, true);
  expectEq('MeasurementApproved events',
    sres.events.filter(({ event }) => api.events.vaultPointers.MeasurementApproved.is(event)).length, 1);
  expectEq('Utility.BatchCompleted events',
    sres.events.filter(({ event }) => api.events.utility.BatchCompleted.is(event)).length, 1);
  const approved = await api.query.vaultPointers.approvedMeasurements(measurement);
  expectEq('approvedMeasurements(measurement)', approved.isSome ? approved.unwrap().toString() : 'none', 'Serve');

  // An ed25519 pair signs System.remark_with_event.
  const remarker = ed25519.addFromUri('//Charlie');
  step(`remarker //Charlie (ed25519) ${remarker.address}`);
  const remark = 'epochvault interop';
  const rtx = api.tx.system.remarkWithEvent(stringToHex(remark));
  const rres = await sendAndFinalize(rtx, remarker, 'remarkWithEvent');
  const remarked = rres.events.filter(({ event }) => api.events.system.Remarked.is(event));
  expectEq('System.Remarked events', remarked.length, 1);
  const [rSender, rHash] = remarked[0].event.data;
  expectEq('Remarked.sender', rSender.toString(), remarker.address);
  expectEq('Remarked.hash = blake2_256(remark)', rHash.toHex(), blake2AsHex(remark, 256));

  // The raw author_submitAndWatchExtrinsic statuses: ready, inBlock, finalized (same block).
  const raw = await api.tx.system.remarkWithEvent(stringToHex('raw statuses')).signAsync(remarker);
  const seen = await new Promise((resolve, reject) => {
    const statuses = [];
    let unsub = null;
    api.rpc.author.submitAndWatchExtrinsic(raw, (status) => {
      statuses.push(status);
      step(`raw status ${status.type} ${JSON.stringify(status.toJSON())}`);
      if (status.isFinalized || status.isInvalid || status.isDropped || status.isUsurped) {
        if (unsub) unsub();
        resolve(statuses);
      }
    }).then((u) => { unsub = u; }, (err) => reject(new Error(`submitAndWatchExtrinsic: ${err.message}`)));
  });
  expectEq('raw status sequence', seen.map((x) => x.type).join(','), 'Ready,InBlock,Finalized');
  expectEq('raw inBlock hash = finalized hash', seen[1].asInBlock.toHex(), seen[2].asFinalized.toHex());
  const rawEvents = await (await api.at(seen[2].asFinalized)).query.system.events();
  const rawRemarked = rawEvents.filter(({ event }) => api.events.system.Remarked.is(event));
  expectEq('System.Remarked events of the raw submission', rawRemarked.length, 1);
  expectEq('raw Remarked.hash', rawRemarked[0].event.data[1].toHex(), blake2AsHex('raw statuses', 256));

  step('OK');
  await api.disconnect();
}

const timer = setTimeout(() => fail(`timed out after ${kTimeoutMs / 1000} s`), kTimeoutMs);
timer.unref();
main().then(() => process.exit(0), (err) => fail(err && err.stack ? err.stack : String(err)));
