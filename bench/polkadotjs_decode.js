// polkadot-js side of bench/decode_bench.sh: the same two jobs as bench/decode_bench.cpp.
//   node bench/polkadotjs_decode.js <vectors/substrate folder> <seconds per job>
// Input: metadata_polkadot_v15.bin, and System.Events of 10,000 records cycling through the
// records of vectors.json "events" (built exactly as decode_bench.cpp builds its input).
// metadata: new TypeRegistry + new Metadata(registry, bytes) + registry.setMetadata (a usable
//           registry with look-ups, like ev::chain::decode_metadata).
// events:   registry.createType('Vec<EventRecord>', bytes) and .toJSON() (every field decoded
//           to a plain value, like ev::chain::decode_events' JSON values); also without toJSON.
// Prints one JSON line: wall and CPU nanoseconds per iteration for each job.
'use strict';
const path = require('path');
const fs = require('fs');
const modules = path.join(__dirname, '..', 'tests', 'interop', 'node_modules');
const { TypeRegistry, Metadata } = require(path.join(modules, '@polkadot/types'));

const { compactToU8a, hexToU8a, u8aConcat } = require(path.join(modules, '@polkadot/util'));

const [dir, secondsArg] = process.argv.slice(2);
const metaBytes = new Uint8Array(fs.readFileSync(path.join(dir, 'metadata_polkadot_v15.bin')));
const vectors = JSON.parse(fs.readFileSync(path.join(dir, 'vectors.json'), 'utf8'));
const seconds = Number(secondsArg || '2');

function usableRegistry() {
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, metaBytes);
  registry.setMetadata(metadata);
  return registry;
}

// Runs fn until `seconds` have passed (at least 3 times); returns [wall ns, CPU ns] per
// iteration (CPU = user + system time of the process, as Google Benchmark's CPU column).
function time(fn) {
  fn();  // warm-up (JIT)
  const limit = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let n = 0;
  let now = start;
  while (n < 3 || now - start < limit) {
    fn();
    ++n;
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpu0);
  return [Number(now - start) / n, ((cpu.user + cpu.system) * 1e3) / n];
}

const registry = usableRegistry();
const sample = registry.createType('Vec<EventRecord>',
                                   hexToU8a(vectors.events.encoded_vec_event_record));
const parts = [compactToU8a(10000)];
for (let i = 0; i < 10000; ++i) parts.push(sample[i % sample.length].toU8a());
const eventsBytes = u8aConcat(...parts);
let records = 0;
const metadata = time(() => usableRegistry());
const events = time(() => {
  const v = registry.createType('Vec<EventRecord>', eventsBytes);
  records = v.length;
  v.toJSON();
});
const eventsNoJson = time(() => registry.createType('Vec<EventRecord>', eventsBytes));
const result = {
  metadata_ns: metadata[0],
  metadata_cpu_ns: metadata[1],
  events_ns: events[0],
  events_cpu_ns: events[1],
  events_no_json_ns: eventsNoJson[0],
  events_no_json_cpu_ns: eventsNoJson[1],
};
result.records = records;
result.input_bytes = eventsBytes.length;
console.log(JSON.stringify(result));
