// SCALE round trips of the pallet's types, calls and events, and the bound checks.
#include <catch2/catch.hpp>

#include <string>

#include "ev/chain/scale.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/events.hpp"
#include "ev/vault/registry.hpp"
#include "ev/vault/types.hpp"
#include "vault_test_helpers.hpp"

using namespace ev;
using namespace ev::vault;

namespace {

using test::acct;
using test::blob;
using test::meas;
using test::svc;
WrappedDek dek(std::size_t n) { return WrappedDek::from(Bytes(n, 0xab)).value(); }

template <class T>
void round_trip(const T& v) {
  const Bytes enc = scale::encode(v);
  auto back = scale::decode_all<T>(enc);
  REQUIRE(back.ok());
  CHECK(*back == v);
  CHECK(scale::encode(*back) == enc);
}

// Compact length prefix of n followed by n bytes of `fill`.
Bytes vec_bytes(std::size_t n, std::uint8_t fill) {
  scale::Encoder e;
  e.bytes(Bytes(n, fill));
  return e.take();
}

std::vector<Call> all_calls() {
  return {
      ApproveMeasurement{meas("m1"), Role::Rotate},
      RevokeMeasurement{meas("m1")},
      RegisterWorker{Role::Serve, meas("m2"), Bytes{1, 2, 3}},
      AuthorizeAgent{acct(2), ServiceList::from({svc("mail"), svc("bank.eu")}).value(),
                     Access::ReadWrite},
      RevokeAgent{acct(2)},
      OpenEpoch{acct(1), dek(48)},
      RegisterBlob{acct(1), blob(7), svc("mail"), acct(2), 3, Hash256{9}, 4096,
                   CredentialName::from("me@work").value(), ReaderList::from({acct(3)}).value()},
      ReencryptBlob{acct(1), blob(7), 3, 4, Hash256{8}, 4100},
      RemoveBlob{acct(1), blob(7)},
      RotateEpoch{acct(1), 4, dek(128), Revocation{acct(2)}},
      DestroyEpoch{acct(1), 3, 12, Hash256{5}}};
}

std::vector<Event> all_events() {
  return {MeasurementApproved{meas("m1"), Role::Serve},
          MeasurementRevoked{meas("m1")},
          WorkerRegistered{acct(4), Role::Rotate, meas("m2"), AttestationPlatform::Nitro,
                           TcbStatus::from(std::string_view("NotApplicable")).value(), 1700000000,
                           1700086400},
          AgentAuthorized{acct(1), acct(2), ServiceList{}, Access::Read},
          AgentRevoked{acct(1), acct(2)},
          BlobWritten{acct(1), blob(3), svc("a-b_c.d"), acct(1), 1, Hash256{1}, {}},
          BlobReencrypted{acct(1), blob(3), 1, 2, Hash256{2}},
          BlobRemoved{acct(1), blob(3), 2},
          EpochRotated{acct(1), 0, 1, Operator{}},
          EpochDestroyed{acct(1), 1, 0, Hash256{}}};
}

}  // namespace

TEST_CASE("types: every pallet type round-trips through SCALE", "[types]") {
  round_trip(svc("mail"));
  round_trip(meas(std::string(64, 'x')));
  round_trip(dek(128));
  round_trip(RotationReason{Scheduled{}});
  round_trip(RotationReason{Revocation{acct(3)}});
  round_trip(RotationReason{Operator{}});
  round_trip(VaultPointer{svc("mail"), acct(2), 3, Hash256{1, 2}, 77, 10, 11, {}, {}});
  round_trip(VaultPointer{svc("mail"), acct(2), 3, Hash256{1, 2}, 77, 10, 11,
                          CredentialName::from("work").value(),
                          ReaderList::from({acct(4), acct(5)}).value()});
  round_trip(EpochInfo{2, 9, Scheduled{}});
  round_trip(EpochDek{dek(32), 4});
  round_trip(AgentGrant{ServiceList::from({svc("a"), svc("b")}).value(), 3, 8u, Access::Read});
  round_trip(AgentGrant{ServiceList{}, 3, std::nullopt, Access::ReadWrite});
  round_trip(WorkerInfo{Role::Rotate, meas("pcr0"), Hash256{7}, 12, AttestationPlatform::Tdx,
                        TcbStatus::from(std::string_view("UpToDate")).value(), 1700000000,
                        1700086400});
  round_trip(AttestationPlatform::SevSnp);
  round_trip(dev_attestation_config());
  round_trip(Role::Serve);
}

TEST_CASE("types: VaultPointer encodes its fields in spec order", "[types]") {
  const VaultPointer p{svc("ab"),
                       acct(0x11),
                       0x01020304,
                       Hash256{0xee},
                       5,
                       6,
                       7,
                       CredentialName::from("w").value(),
                       ReaderList::from({acct(0x22)}).value()};
  const Bytes enc = scale::encode(p);
  // ... then the appended name (compact(1) 'w') and readers (compact(1), one account).
  REQUIRE(enc.size() == 3 + 32 + 4 + 32 + 4 + 4 + 4 + 2 + 1 + 32);
  CHECK(enc[83] == 0x04);
  CHECK(enc[84] == 'w');
  CHECK(enc[85] == 0x04);
  CHECK(enc[86] == 0x22);
  CHECK(enc[0] == 0x08);  // compact(2)
  CHECK(enc[1] == 'a');
  CHECK(enc[3] == 0x11);
  CHECK(enc[35] == 0x04);  // epoch little-endian
  CHECK(enc[38] == 0x01);
  CHECK(enc[39] == 0xee);
  CHECK(enc[71] == 5);
}

TEST_CASE("types: RotationReason uses tags 0, 1 (with account) and 2", "[types]") {
  CHECK(scale::encode(RotationReason{Scheduled{}}) == Bytes{0});
  CHECK(scale::encode(RotationReason{Operator{}}) == Bytes{2});
  const Bytes rev = scale::encode(RotationReason{Revocation{acct(9)}});
  REQUIRE(rev.size() == 33);
  CHECK(rev[0] == 1);
  CHECK(rev[32] == 9);
  CHECK_FALSE(scale::decode_all<RotationReason>(Bytes{3}).ok());
}

TEST_CASE("types: role tags above Rotate are rejected", "[types]") {
  CHECK(scale::decode_all<Role>(Bytes{1}).value() == Role::Rotate);
  CHECK_FALSE(scale::decode_all<Role>(Bytes{2}).ok());
}

TEST_CASE("types: service name accepts [a-z0-9._-] up to 64 bytes", "[types]") {
  CHECK(ServiceName::from("abc-019._z").ok());
  CHECK(ServiceName::from(std::string(64, 'a')).ok());
  auto too_long = ServiceName::from(std::string(65, 'a'));
  REQUIRE_FALSE(too_long.ok());
  CHECK(is(too_long.error(), VaultErrc::TooLong));
  for (std::string_view bad : {"", "Mail", "a b", "a/b", "\xc3\xa9"}) {
    auto r = ServiceName::from(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), VaultErrc::InvalidServiceName));
  }
}

TEST_CASE("types: decoding rejects bounded vectors above their bound", "[types]") {
  auto s = scale::decode_all<ServiceName>(vec_bytes(65, 'a'));
  REQUIRE_FALSE(s.ok());
  CHECK(is(s.error(), VaultErrc::TooLong));
  CHECK(s.error().message.find("at offset 0") != std::string::npos);
  CHECK(scale::decode_all<Measurement>(vec_bytes(64, 1)).ok());
  CHECK(is(scale::decode_all<Measurement>(vec_bytes(65, 1)).error(), VaultErrc::TooLong));
  CHECK(scale::decode_all<WrappedDek>(vec_bytes(128, 1)).ok());
  CHECK(is(scale::decode_all<WrappedDek>(vec_bytes(129, 1)).error(), VaultErrc::TooLong));
}

TEST_CASE("types: decoding rejects a service name with an uppercase byte", "[types]") {
  auto s = scale::decode_all<ServiceName>(vec_bytes(3, 'A'));
  REQUIRE_FALSE(s.ok());
  CHECK(is(s.error(), VaultErrc::InvalidServiceName));
  CHECK(is(scale::decode_all<ServiceName>(Bytes{0}).error(), VaultErrc::InvalidServiceName));
}

TEST_CASE("types: a grant lists at most 32 services", "[types]") {
  std::vector<ServiceName> names;
  for (int i = 0; i < 33; ++i) names.push_back(svc("s" + std::to_string(i)));
  scale::Encoder e;
  scale::encode(e, names);
  Bytes enc = e.take();
  auto r = scale::decode_all<ServiceList>(enc);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), VaultErrc::TooLong));
  CHECK(is(ServiceList::from(names).error(), VaultErrc::TooLong));
  names.pop_back();
  CHECK(ServiceList::from(names).ok());
}

TEST_CASE("types: grant coverage: empty list covers everything", "[types]") {
  AgentGrant all{ServiceList{}, 1, std::nullopt, Access::Read};
  CHECK(all.covers(svc("x")));
  CHECK_FALSE(all.can_write());
  AgentGrant some{ServiceList::from({svc("mail")}).value(), 1, std::nullopt, Access::ReadWrite};
  CHECK(some.can_write());
  CHECK(some.covers(svc("mail")));
  CHECK_FALSE(some.covers(svc("bank")));
}

TEST_CASE("types: credential names and access decode strictly", "[types][sharing]") {
  CHECK(CredentialName::from("").ok());  // the service's default credential
  CHECK(CredentialName::from("me@example.com").ok());
  const auto bad = CredentialName::from("Work");
  REQUIRE_FALSE(bad.ok());
  CHECK(is(bad.error(), VaultErrc::InvalidCredentialName));
  CHECK(is(CredentialName::from(std::string(65, 'a')).error(), VaultErrc::TooLong));
  // Access is Read = 0, ReadWrite = 1; any other byte does not decode.
  CHECK(scale::encode(Access::ReadWrite) == Bytes{1});
  CHECK_FALSE(scale::decode_all<Access>(Bytes{2}).ok());
  // A grant stored before `access` existed (no trailing byte) does not decode: the field is
  // part of the value, as it is for a FRAME runtime after a storage migration.
  const Bytes old_grant{0, 1, 0, 0, 0, 0};
  CHECK_FALSE(scale::decode_all<AgentGrant>(old_grant).ok());
  CHECK(scale::decode_all<AgentGrant>(Bytes{0, 1, 0, 0, 0, 0, 1}).value().can_write());
}

TEST_CASE("calls: indices follow the spec table and names round-trip", "[calls]") {
  const auto calls = all_calls();
  REQUIRE(calls.size() == kCallCount);
  const char* names[] = {"approve_measurement", "revoke_measurement", "register_worker",
                         "authorize_agent",     "revoke_agent",       "open_epoch",
                         "register_blob",       "reencrypt_blob",     "remove_blob",
                         "rotate_epoch",        "destroy_epoch"};
  for (std::size_t i = 0; i < calls.size(); ++i) {
    CHECK(call_index(calls[i]) == i);
    CHECK(call_name(calls[i]) == names[i]);
    CHECK(call_index_of(names[i]).value() == i);
  }
  CHECK(is(call_index_of("sudo").error(), VaultErrc::UnknownCall));
}

TEST_CASE("calls: every call round-trips through encode_args / decode_call", "[calls]") {
  for (const Call& c : all_calls()) {
    const Bytes args = encode_args(c);
    scale::Decoder d(args);
    auto back = decode_call(call_index(c), d);
    REQUIRE(back.ok());
    CHECK(d.empty());
    CHECK(*back == c);
    Bytes whole{call_index(c)};
    append(whole, args);
    CHECK(decode_pallet_call(whole).value() == c);
  }
}

TEST_CASE("calls: decode rejects unknown indices, truncation and trailing bytes", "[calls]") {
  scale::Decoder none(Bytes{});
  CHECK(is(decode_call(11, none).error(), VaultErrc::UnknownCall));
  const Call c = RemoveBlob{acct(1), blob(2)};
  Bytes whole{call_index(c)};
  append(whole, encode_args(c));
  Bytes cut(whole.begin(), whole.end() - 1);
  auto r = decode_pallet_call(cut);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("remove_blob") != std::string::npos);
  whole.push_back(0);
  CHECK(is(decode_pallet_call(whole).error(), scale::Errc::TrailingBytes));
}

TEST_CASE("calls: register_blob args with a 65-byte service fail TooLong", "[calls]") {
  scale::Encoder e;
  e.raw(acct(1)).raw(blob(1)).bytes(Bytes(65, 'a')).raw(acct(2)).u32(1).raw(Hash256{}).u32(1);
  const Bytes args = e.take();
  scale::Decoder d(args);
  auto r = decode_call(6, d);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), VaultErrc::TooLong));
  CHECK(r.error().message.find("register_blob") != std::string::npos);
}

TEST_CASE("events: every event round-trips by index and by name", "[events]") {
  const auto events = all_events();
  REQUIRE(events.size() == kEventCount);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& ev = events[i];
    CHECK(event_index(ev) == i);
    const Bytes full = encode_event(ev);
    const Bytes fields = encode_event_fields(ev);
    REQUIRE(full.size() == fields.size() + 1);
    CHECK(full[0] == i);
    auto back = decode_event(event_name(ev), fields);
    REQUIRE(back.ok());
    CHECK(*back == ev);
    scale::Decoder d(ByteSpan(full).subspan(1));
    CHECK(decode_event_at(full[0], d).value() == ev);
  }
}

TEST_CASE("events: decode rejects unknown names and trailing bytes", "[events]") {
  CHECK(is(decode_event("Transfer", Bytes{}).error(), VaultErrc::UnknownEvent));
  Bytes fields = encode_event_fields(AgentRevoked{acct(1), acct(2)});
  fields.push_back(0);
  CHECK(is(decode_event("AgentRevoked", fields).error(), scale::Errc::TrailingBytes));
  fields.resize(40);
  CHECK_FALSE(decode_event("AgentRevoked", fields).ok());
}
