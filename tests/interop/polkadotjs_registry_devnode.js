// polkadot-js against epochvault-devnode's worker registry:
//   tests/interop/with-devnode.sh --npm <epochvault-devnode> node tests/interop/polkadotjs_registry_devnode.js
// Reads VaultPointers.AttestationConfig from the dev genesis, checks the registry's errors in
// metadata, approves a measurement through Sudo, sees a registration with arbitrary bytes fail
// with VaultPointers.AttestationInvalid, registers a worker with a simulated attestation whose
// report data commits to its account and this chain (built here with Node's crypto, per
// docs/formats/attestation.md), and decodes the WorkerRegistered event and WorkerInfo with their
// appended fields. Exits 1 with a message on the first mismatch, after 90 s at the latest.
'use strict';

const path = require('path');
const crypto = require('crypto');
const modules = path.join(__dirname, 'node_modules');
const { ApiPromise, WsProvider } = require(path.join(modules, '@polkadot/api'));
const { Keyring } = require(path.join(modules, '@polkadot/keyring'));
const { cryptoWaitReady } = require(path.join(modules, '@polkadot/util-crypto'));
const { u8aToHex, u8aToString } = require(path.join(modules, '@polkadot/util'));

const kTimeoutMs = 90_000;
let api;

function step(msg) { console.log(`[polkadot-js registry] ${msg}`); }
function fail(msg) {
  console.error(`[polkadot-js registry] FAIL: ${msg}`);
  process.exit(1);
}
function expectEq(what, got, want) {
  if (got !== want) fail(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  step(`${what} = ${JSON.stringify(got)}`);
}

// Resolves with the events once finalized; rejects with "section.Name" on a module error.
function send(tx, signer, label) {
  return new Promise((resolve, reject) => {
    let unsub = null;
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (status.isInvalid || status.isDropped) {
        if (unsub) unsub();
        reject(new Error(`${label}: transaction ${status.type}`));
        return;
      }
      if (!status.isFinalized) return;
      if (unsub) unsub();
      if (dispatchError) {
        let detail = dispatchError.toString();
        if (dispatchError.isModule) {
          const meta = api.registry.findMetaError(dispatchError.asModule);
          detail = `${meta.section}.${meta.name}`;
        }
        reject(new Error(detail));
        return;
      }
      resolve(events);
    }).then((u) => { unsub = u; }, (err) => reject(new Error(`${label}: ${err.message}`)));
  });
}

// The registration report data: SHA-512(domain ‖ 0x01 ‖ account ‖ genesis ‖ 0x00).
function registrationReportData(account, genesis) {
  return crypto.createHash('sha512')
    .update(Buffer.from('epochvault/report-data/v1'))
    .update(Buffer.from([1]))
    .update(Buffer.from(account))
    .update(Buffer.from(genesis))
    .update(Buffer.from([0]))
    .digest();
}

// A simulated report (docs/enclave.md, "Attestation report"), signed by a fresh ed25519 key.
function simulatedReport(measurement, reportData) {
  const r = Buffer.alloc(283);
  r.write('EVSIMREP', 0, 'ascii');
  r[8] = 1;
  r.write('SIMULATED-NOT-HARDWARE-BACKED', 9, 'ascii');
  Buffer.from(measurement).copy(r, 38);
  r[118] = 1;
  r[122] = reportData.length;
  reportData.copy(r, 123);
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  spki.subarray(spki.length - 32).copy(r, 187);
  crypto.sign(null, r.subarray(0, 219), privateKey).copy(r, 219);
  return r;
}

async function main() {
  const url = process.env.EV_DEVNODE_URL;
  if (!url) fail('EV_DEVNODE_URL is not set (run under tests/interop/with-devnode.sh)');
  await cryptoWaitReady();
  const provider = new WsProvider(url, false);
  await provider.connect();
  api = await ApiPromise.create({ provider, throwOnConnect: true });
  const genesis = api.genesisHash.toU8a();
  step(`connected, genesis ${api.genesisHash.toHex()}`);

  // The genesis configuration.
  if (typeof api.query.vaultPointers.attestationConfig !== 'function') {
    fail('api.query.vaultPointers.attestationConfig is missing');
  }
  const cfgOpt = await api.query.vaultPointers.attestationConfig();
  if (cfgOpt.isNone) fail('VaultPointers.AttestationConfig is not set in the dev genesis');
  const cfg = cfgOpt.unwrap();
  step(`attestationConfig = ${JSON.stringify(cfg.toHuman())}`);
  expectEq('attestationConfig.devMode', cfg.devMode.isTrue, true);
  expectEq('attestationConfig.maxAgeSecs', cfg.maxAgeSecs.toNumber(), 86400);
  expectEq('attestationConfig.trustedRoots.length', cfg.trustedRoots.length, 5);
  for (const e of ['AttestationInvalid', 'AttestationStale', 'AttestationNotBound', 'DebugEnclave',
    'SimulatedNotAllowed', 'MeasurementMismatch', 'UntrustedRoot', 'AttestationExpired']) {
    if (!api.errors.vaultPointers[e]) fail(`api.errors.vaultPointers.${e} is missing`);
  }
  step('the registry errors are in metadata');

  const sudo = new Keyring({ type: 'ecdsa', ss58Format: 42 }).addFromUri('//Alice');
  const ed = new Keyring({ type: 'ed25519', ss58Format: 42 });
  const worker = ed.addFromUri('//Charlie');
  const stranger = ed.addFromUri('//Ferdie');
  const measurement = new Uint8Array(48);
  measurement.set(Buffer.from('polkadot-js-registry'));
  // As hex: polkadot-js reads a Uint8Array given for Bytes as SCALE (length-prefixed).
  const measurementHex = u8aToHex(measurement);
  await send(api.tx.sudo.sudo(api.tx.vaultPointers.approveMeasurement(measurementHex, 'Serve')), sudo,
    'approveMeasurement');
  step(`approved measurement ${u8aToHex(measurement)}`);

  // Arbitrary bytes naming the approved measurement.
  try {
    await send(api.tx.vaultPointers.registerWorker('Serve', measurementHex, '0x010203'), stranger,
      'registerWorker (junk)');
    fail('a registration with arbitrary bytes was accepted');
  } catch (e) {
    expectEq('registerWorker with arbitrary bytes fails with', e.message, 'vaultPointers.AttestationInvalid');
  }

  // A simulated attestation made for //Charlie on this chain.
  const report = simulatedReport(measurement, registrationReportData(worker.publicKey, genesis));
  const bundle = JSON.stringify({ platform: 'simulated', report: report.toString('hex') });
  const events = await send(
    api.tx.vaultPointers.registerWorker('Serve', measurementHex, u8aToHex(Buffer.from(bundle))), worker,
    'registerWorker');
  const reg = events.filter(({ event }) => api.events.vaultPointers.WorkerRegistered.is(event));
  expectEq('WorkerRegistered events', reg.length, 1);
  const ev = reg[0].event.data;
  step(`WorkerRegistered ${JSON.stringify(reg[0].event.toHuman())}`);
  expectEq('WorkerRegistered.worker', ev.worker.toString(), worker.address);
  expectEq('WorkerRegistered.platform', ev.platform.type, 'Simulated');
  expectEq('WorkerRegistered.tcbStatus', u8aToString(ev.tcbStatus.toU8a(true)), 'Simulated');
  expectEq('WorkerRegistered lifetime', ev.expiresAt.toNumber() - ev.attestedAt.toNumber(), 86400);

  const infoOpt = await api.query.vaultPointers.workers(worker.address);
  if (infoOpt.isNone) fail('vaultPointers.workers(worker) is none after registration');
  const info = infoOpt.unwrap();
  step(`vaultPointers.workers(worker) = ${JSON.stringify(info.toHuman())}`);
  expectEq('WorkerInfo.role', info.role.type, 'Serve');
  expectEq('WorkerInfo.measurement', info.measurement.toHex(), u8aToHex(measurement));
  expectEq('WorkerInfo.platform', info.platform.type, 'Simulated');
  expectEq('WorkerInfo.attestedAt', info.attestedAt.toNumber(), ev.attestedAt.toNumber());
  expectEq('WorkerInfo.expiresAt', info.expiresAt.toNumber(), ev.expiresAt.toNumber());
  const now = Math.floor(Date.now() / 1000);
  if (Math.abs(info.attestedAt.toNumber() - now) > 120) {
    fail(`WorkerInfo.attestedAt ${info.attestedAt.toNumber()} is not the block's time (now ${now})`);
  }
  step('all registry checks held');
  await api.disconnect();
}

const timer = setTimeout(() => fail(`timeout after ${kTimeoutMs} ms`), kTimeoutMs);
main().then(() => { clearTimeout(timer); process.exit(0); }, (e) => fail(e.stack || e.message));
