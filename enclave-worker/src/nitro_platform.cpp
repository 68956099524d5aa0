// AWS Nitro Enclaves backend: NSM requests and responses (CBOR, as the NSM API's serde
// encoding of its Request/Response enums) through the NSM_IOCTL_RAW ioctl of /dev/nsm.
// docs/attestation.md, "Platform backends".
#include <cbor.h>
#include <sys/ioctl.h>

#include <cstring>
#include <string>

#include "ev/enclave/errors.hpp"
#include "ev/enclave/hardware_platform.hpp"

namespace ev::enclave {
namespace {

// struct nsm_raw of the Linux NSM driver (include/uapi/linux/nsm.h): two iovecs.
struct NsmIovec {
  std::uint64_t addr;
  std::uint64_t len;
};
struct NsmRaw {
  NsmIovec request;
  NsmIovec response;
};
constexpr unsigned long kNsmIoctlRaw = _IOWR(0x0A, 0, NsmRaw);
constexpr std::size_t kPcrSize = 48;
constexpr int kMaxDepth = 4;

struct CborFree {
  void operator()(cbor_item_t* p) const { cbor_decref(&p); }
};
using CborPtr = std::unique_ptr<cbor_item_t, CborFree>;

Error malformed(std::string_view why) {
  return make_error(Errc::Malformed, "nsm response: " + std::string(why));
}

// Walks one definite-length CBOR item without building it, so that no declared length larger
// than the bytes left reaches libcbor (which allocates for it up front). Returns the end offset.
Result<std::size_t> walk(ByteSpan in, std::size_t pos, int depth) {
  if (depth > kMaxDepth) return malformed("nested too deeply");
  if (pos >= in.size()) return malformed("ends early at byte " + std::to_string(pos));
  const int major = in[pos] >> 5;
  const int ai = in[pos] & 31;
  ++pos;
  std::uint64_t n = static_cast<std::uint64_t>(ai);
  if (ai >= 24 && ai <= 27) {
    const std::size_t w = std::size_t{1} << (ai - 24);
    if (in.size() - pos < w) return malformed("ends early at byte " + std::to_string(pos));
    n = 0;
    for (std::size_t i = 0; i < w; ++i) n = (n << 8) | in[pos + i];
    pos += w;
  } else if (ai > 27) {
    return malformed("indefinite or reserved length at byte " + std::to_string(pos - 1));
  }
  const std::size_t left = in.size() - pos;
  switch (major) {
    case 2:
    case 3:
      if (n > left) return malformed("a string runs past the end");
      return pos + static_cast<std::size_t>(n);
    case 4:
    case 5: {
      const std::uint64_t items = major == 5 ? n * 2 : n;
      if (n > left || items > left) return malformed("a container runs past the end");
      for (std::uint64_t i = 0; i < items; ++i) pos = EV_TRY(walk(in, pos, depth + 1));
      return pos;
    }
    case 6: return malformed("tags are not part of NSM responses");
    default: return pos;  // integers, simple values
  }
}

Result<CborPtr> load(ByteSpan in) {
  if (in.empty()) return malformed("empty");
  const std::size_t end = EV_TRY(walk(in, 0, 0));
  if (end != in.size()) return malformed(std::to_string(in.size() - end) + " trailing bytes");
  cbor_load_result res{};
  CborPtr item(cbor_load(in.data(), in.size(), &res));
  if (!item || res.error.code != CBOR_ERR_NONE || res.read != in.size()) {
    return malformed("invalid CBOR at byte " + std::to_string(res.error.position));
  }
  return item;
}

std::string_view text_of(cbor_item_t* it) {
  return {reinterpret_cast<const char*>(cbor_string_handle(it)), cbor_string_length(it)};
}

bool is_text(cbor_item_t* it) { return cbor_isa_string(it) && cbor_string_is_definite(it); }

// The one entry of the response's top-level map: {variant: value}. An {"Error": code} answer is
// a Device error naming the code.
Result<cbor_item_t*> variant(cbor_item_t* root, std::string_view expected) {
  if (!cbor_isa_map(root) || cbor_map_size(root) != 1) {
    return malformed("not a map of one entry");
  }
  cbor_pair& p = cbor_map_handle(root)[0];
  if (!is_text(p.key)) return malformed("variant name is not text");
  const std::string_view name = text_of(p.key);
  if (name == "Error") {
    const std::string code = is_text(p.value) ? std::string(text_of(p.value)) : "(not text)";
    return make_error(Errc::Device, "the NSM answered error " + code);
  }
  if (name != expected) {
    return malformed("answered " + std::string(name) + " to " + std::string(expected));
  }
  if (!cbor_isa_map(p.value)) return malformed(std::string(expected) + " is not a map");
  return p.value;
}

// The value of `key` in a map of text keys, each key at most once.
Result<cbor_item_t*> field(cbor_item_t* map, std::string_view key) {
  cbor_item_t* found = nullptr;
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    cbor_pair& p = cbor_map_handle(map)[i];
    if (!is_text(p.key)) return malformed("a key is not text");
    if (text_of(p.key) != key) continue;
    if (found != nullptr) return malformed("\"" + std::string(key) + "\" twice");
    found = p.value;
  }
  if (found == nullptr) return malformed("no \"" + std::string(key) + "\"");
  return found;
}

Result<Bytes> bytes_of(cbor_item_t* it, std::string_view what) {
  if (!cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it)) {
    return malformed(std::string(what) + " is not a byte string");
  }
  const auto* p = cbor_bytestring_handle(it);
  return Bytes(p, p + cbor_bytestring_length(it));
}

Bytes serialize(cbor_item_t* item) {
  unsigned char* buf = nullptr;
  std::size_t cap = 0;
  const std::size_t n = cbor_serialize_alloc(item, &buf, &cap);
  Bytes out(buf, buf + n);
  free(buf);  // NOLINT(cppcoreguidelines-no-malloc): libcbor allocates with malloc
  return out;
}

// {name: {entries...}} from freshly built items (the map takes its references).
Bytes request(const char* name, std::initializer_list<std::pair<const char*, cbor_item_t*>> kv) {
  CborPtr inner(cbor_new_definite_map(kv.size()));
  for (const auto& [k, v] : kv) {
    CborPtr key(cbor_build_string(k));
    CborPtr value(v);
    (void)cbor_map_add(inner.get(), {key.get(), value.get()});
  }
  CborPtr outer(cbor_new_definite_map(1));
  CborPtr key(cbor_build_string(name));
  (void)cbor_map_add(outer.get(), {key.get(), inner.get()});
  return serialize(outer.get());
}

class NitroSource final : public ReportSource {
 public:
  explicit NitroSource(std::unique_ptr<IoctlDevice> nsm) : nsm_(std::move(nsm)) {}

  Result<Identity> identity() override {
    const Bytes resp = EV_TRY(call(nsm_describe_pcr_request(0)));
    const Bytes pcr0 = EV_TRY(parse_nsm_describe_pcr_response(resp));
    Identity id;
    std::copy(pcr0.begin(), pcr0.end(), id.measurement.begin());
    return id;
  }

  Result<Bytes> evidence(ByteSpan report_data) override {
    const Bytes resp = EV_TRY(call(nsm_attestation_request(report_data)));
    return parse_nsm_attestation_response(resp);
  }

 private:
  Result<Bytes> call(const Bytes& req) {
    if (req.size() > kNsmRequestMax) {
      return make_error(Errc::InvalidArgument, "NSM request above 4096 bytes");
    }
    Bytes resp(kNsmResponseMax);
    NsmRaw raw{};
    raw.request = {reinterpret_cast<std::uintptr_t>(req.data()), req.size()};
    raw.response = {reinterpret_cast<std::uintptr_t>(resp.data()), resp.size()};
    const int err = nsm_->call(kNsmIoctlRaw, &raw);
    if (err != 0) {
      return make_error(Errc::Device, std::string("NSM_IOCTL_RAW: ") + std::strerror(err));
    }
    if (raw.response.len > resp.size()) {
      return make_error(Errc::Device, "the NSM driver reports a " +
                                          std::to_string(raw.response.len) +
                                          "-byte response in a 12288-byte buffer");
    }
    resp.resize(static_cast<std::size_t>(raw.response.len));
    return resp;
  }

  std::unique_ptr<IoctlDevice> nsm_;
};

}  // namespace

Bytes nsm_attestation_request(ByteSpan user_data) {
  cbor_item_t* ud = user_data.empty() ? cbor_new_null()
                                      : cbor_build_bytestring(user_data.data(), user_data.size());
  return request("Attestation",
                 {{"user_data", ud}, {"nonce", cbor_new_null()}, {"public_key", cbor_new_null()}});
}

Bytes nsm_describe_pcr_request(std::uint16_t index) {
  cbor_item_t* i = index < 256 ? cbor_build_uint8(static_cast<std::uint8_t>(index))
                               : cbor_build_uint16(index);  // the shortest form
  return request("DescribePCR", {{"index", i}});
}

Result<Bytes> parse_nsm_attestation_response(ByteSpan response) {
  const CborPtr root = EV_TRY(load(response));
  cbor_item_t* body = EV_TRY(variant(root.get(), "Attestation"));
  if (cbor_map_size(body) != 1) return malformed("Attestation has other fields than document");
  cbor_item_t* doc_item = EV_TRY(field(body, "document"));
  Bytes doc = EV_TRY(bytes_of(doc_item, "document"));
  if (doc.empty()) return malformed("empty document");
  return doc;
}

Result<Bytes> parse_nsm_describe_pcr_response(ByteSpan response) {
  const CborPtr root = EV_TRY(load(response));
  cbor_item_t* body = EV_TRY(variant(root.get(), "DescribePCR"));
  if (cbor_map_size(body) != 2) return malformed("DescribePCR has other fields than lock, data");
  cbor_item_t* lock = EV_TRY(field(body, "lock"));
  if (!cbor_is_bool(lock)) return malformed("lock is not a boolean");
  cbor_item_t* data = EV_TRY(field(body, "data"));
  Bytes pcr = EV_TRY(bytes_of(data, "data"));
  if (pcr.size() != kPcrSize) {
    return malformed("PCR of " + std::to_string(pcr.size()) + " bytes, expected 48 (SHA384)");
  }
  return pcr;
}

std::unique_ptr<ReportSource> nitro_source(std::unique_ptr<IoctlDevice> nsm) {
  return std::make_unique<NitroSource>(std::move(nsm));
}

}  // namespace ev::enclave
