// `epochvault store ...`: objects in a store named by URL (file:///dir or s3://bucket/...),
// for operators and auditors. Store errors print as "<Errc>: <S3 code>: <message>", e.g.
// "AccessDenied: SignatureDoesNotMatch (HTTP 403 on PUT 'k', request id ...)".
#include <cstdio>
#include <ctime>

#include "cli.hpp"
#include "ev/s3/errors.hpp"
#include "ev/s3/object_store.hpp"
#include "ev/s3/s3_client.hpp"

namespace ev::cli {
namespace {

constexpr std::uint64_t kMaxInputBytes = 1ull << 30;
const std::vector<std::string> kStoreOptions = {"store", "profile", "credentials-file"};

std::string_view errc_name(s3::Errc e) {
  switch (e) {
    case s3::Errc::NotFound: return "NotFound";
    case s3::Errc::PreconditionFailed: return "PreconditionFailed";
    case s3::Errc::AccessDenied: return "AccessDenied";
    case s3::Errc::Throttled: return "Throttled";
    case s3::Errc::Transient: return "Transient";
    case s3::Errc::Corrupt: return "Corrupt";
    case s3::Errc::InvalidKey: return "InvalidKey";
    case s3::Errc::InvalidArgument: return "InvalidArgument";
    case s3::Errc::Io: return "Io";
    case s3::Errc::Protocol: return "Protocol";
    case s3::Errc::Unsupported: return "Unsupported";
  }
  return "StoreError";
}

// A store error as one line "<Errc name>: <detail>" (the detail without the enum's own
// human text); other errors pass through.
Error report(Error e) {
  if (e.domain != ErrorTraits<s3::Errc>::domain) return e;
  const auto errc = static_cast<s3::Errc>(e.code);
  const std::string human = std::string(ErrorTraits<s3::Errc>::message(errc)) + ": ";
  std::string detail = e.message;
  if (detail.starts_with(human)) detail.erase(0, human.size());
  return Error{"cli", static_cast<int>(Errc::Failed), std::string(errc_name(errc)) + ": " + detail};
}

template <class T>
Result<T> reported(Result<T> r) {
  if (r.ok()) return r;
  return report(std::move(r).error());
}

// "-o FILE" is the short form of "--output FILE".
std::vector<std::string> expand_short_options(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  for (const std::string& a : argv) {
    if (a == "-o") {
      out.emplace_back("--output");
    } else if (a.starts_with("-o") && a.size() > 2 && a[2] != '-') {
      out.emplace_back("--output");
      out.push_back(a.substr(2));
    } else {
      out.push_back(a);
    }
  }
  return out;
}

Result<Args> parse(const std::vector<std::string>& argv, std::vector<std::string> values,
                   const std::vector<std::string>& flags) {
  values.insert(values.end(), kStoreOptions.begin(), kStoreOptions.end());
  return parse_args(expand_short_options(argv), values, flags);
}

Result<std::unique_ptr<s3::ObjectStore>> open(const Args& args) {
  auto url = args.get("store");
  if (!url) return make_error(Errc::Usage, "--store URL is required (file:///dir or s3://...)");
  s3::StoreOptions options;
  options.credentials.profile = args.get_or("profile", "");
  options.credentials.credentials_file = args.get_or("credentials-file", "");
  return reported(s3::open_store(*url, options));
}

Result<Bytes> read_input(const std::string& path) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(Errc::BadInput, "cannot open '" + path + "'");
  Bytes data;
  std::uint8_t buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    data.insert(data.end(), buf, buf + n);
    if (data.size() > kMaxInputBytes) break;
  }
  const bool failed = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (failed) return make_error(Errc::BadInput, "reading '" + path + "' failed");
  if (data.size() > kMaxInputBytes) {
    return make_error(Errc::BadInput, "'" + path + "' is larger than 1 GiB");
  }
  return data;
}

Result<void> write_output(const std::string& path, ByteSpan data) {
  std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (f == nullptr) return make_error(Errc::Failed, "cannot create '" + path + "'");
  const bool written = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  const bool closed = f == stdout ? std::fflush(f) == 0 : std::fclose(f) == 0;
  if (!written || !closed) return make_error(Errc::Failed, "writing '" + path + "' failed");
  return ok();
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<void> put_cmd(const std::vector<std::string>& argv) {
  const Args args = EV_TRY(parse(argv, {}, {"create-only"}));
  if (args.positional.size() != 2) {
    return make_error(Errc::Usage, "expected <key> <file|->");
  }
  const Bytes data = EV_TRY(read_input(args.positional[1]));
  auto store = EV_TRY(open(args));
  s3::PutOptions options;
  options.create_only = args.has("create-only");
  const s3::PutResult r = EV_TRY(reported(store->put(args.positional[0], data, options)));
  std::printf("%s\n", r.etag.c_str());
  return ok();
}

Result<void> get_cmd(const std::vector<std::string>& argv) {
  const Args args = EV_TRY(parse(argv, {"output", "if-match"}, {}));
  if (args.positional.size() != 1) return make_error(Errc::Usage, "expected <key>");
  auto store = EV_TRY(open(args));
  s3::GetOptions options;
  options.if_match = args.get("if-match");
  const s3::Object o = EV_TRY(reported(store->get(args.positional[0], options)));
  return write_output(args.get_or("output", "-"), o.data);
}

Result<void> head_cmd(const std::vector<std::string>& argv) {
  const Args args = EV_TRY(parse(argv, {}, {}));
  if (args.positional.size() != 1) return make_error(Errc::Usage, "expected <key>");
  auto store = EV_TRY(open(args));
  const s3::ObjectInfo info = EV_TRY(reported(store->head(args.positional[0])));
  std::printf("size %llu\netag %s\nlast-modified %s\n", static_cast<unsigned long long>(info.size),
              info.etag.c_str(), iso_time(info.last_modified).c_str());
  return ok();
}

Result<void> rm_cmd(const std::vector<std::string>& argv) {
  const Args args = EV_TRY(parse(argv, {}, {}));
  if (args.positional.empty()) return make_error(Errc::Usage, "expected <key>...");
  auto store = EV_TRY(open(args));
  const auto& keys = args.positional;
  std::vector<s3::KeyError> failed;
  for (std::size_t i = 0; i < keys.size(); i += s3::kMaxKeysPerCall) {
    const auto end = std::min(keys.size(), i + s3::kMaxKeysPerCall);
    const std::vector<std::string> batch(keys.begin() + static_cast<long>(i),
                                         keys.begin() + static_cast<long>(end));
    const s3::RemoveManyResult r = EV_TRY(reported(store->remove_many(batch)));
    failed.insert(failed.end(), r.errors.begin(), r.errors.end());
  }
  if (failed.empty()) return ok();
  const Error first = report(failed.front().error);
  return Error{"cli", static_cast<int>(Errc::Failed),
               std::to_string(failed.size()) + " of " + std::to_string(keys.size()) +
                   " keys not removed; first '" + failed.front().key + "': " + first.message};
}

Result<void> ls_cmd(const std::vector<std::string>& argv) {
  const Args args = EV_TRY(parse(argv, {}, {"long"}));
  if (args.positional.size() > 1) return make_error(Errc::Usage, "expected at most one prefix");
  auto store = EV_TRY(open(args));
  s3::ListOptions options;
  if (!args.positional.empty()) options.prefix = args.positional[0];
  const bool detailed = args.has("long");
  for (;;) {
    const s3::ListPage page = EV_TRY(reported(store->list(options)));
    for (const s3::ListEntry& e : page.objects) {
      if (detailed) {
        std::printf("%llu\t%s\t%s\t%s\n", static_cast<unsigned long long>(e.info.size),
                    e.info.etag.c_str(), iso_time(e.info.last_modified).c_str(), e.key.c_str());
      } else {
        std::printf("%s\n", e.key.c_str());
      }
    }
    if (!page.truncated) break;
    options.continuation_token = page.next_continuation_token;
  }
  return ok();
}

constexpr const char* kStoreHelp =
    "\n  --store file:///dir | s3://bucket[/prefix]?endpoint=URL&region=R&style=path|virtual\n"
    "  [--profile P] [--credentials-file F]   (else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,\n"
    "  AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials; AWS_REGION)";

}  // namespace

void register_store_commands(std::vector<Command>& out) {
  out.push_back({"store", "put", "store a file (or stdin) under a key; prints the etag",
                 std::string("epochvault store put <key> <file|-> [--create-only]") + kStoreHelp,
                 put_cmd});
  out.push_back(
      {"store", "get", "write an object to a file (or stdout)",
       std::string("epochvault store get <key> [-o|--output file] [--if-match etag]") + kStoreHelp,
       get_cmd});
  out.push_back({"store", "head", "show an object's size, etag and modification time",
                 std::string("epochvault store head <key>") + kStoreHelp, head_cmd});
  out.push_back({"store", "rm", "remove objects (missing keys are not an error)",
                 std::string("epochvault store rm <key>...") + kStoreHelp, rm_cmd});
  out.push_back({"store", "ls", "list keys, optionally under a prefix",
                 std::string("epochvault store ls [prefix] [--long]") + kStoreHelp, ls_cmd});
}

}  // namespace ev::cli
