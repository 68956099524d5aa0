// The directory store; layout and write protocol in docs/s3-store.md ("Directory store").
#include "ev/s3/directory_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <random>
#include <system_error>
#include <utility>

#include "ev/common/digest.hpp"
#include "ev/s3/md5.hpp"
#include "ev/s3/object_key.hpp"

namespace ev::s3 {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFormat = "epochvault-directory-store 1\n";
constexpr std::string_view kMagic = "EVDSOBJ1";
constexpr std::size_t kHeaderSize = 32;  // magic(8) | content length u64 LE (8) | MD5 (16)
constexpr std::size_t kMaxNameBytes = 255;
constexpr std::string_view kTokenTag = "dl1.";
constexpr int kPutAttempts = 16;

// --- small POSIX helpers ----------------------------------------------------------------

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  Fd(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now and reports the result (a late write error can surface here).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Error io_error(std::string_view what, const fs::path& p, int err) {
  return make_error(Errc::Io, std::string(what) + " " + p.string() + ": " +
                                  std::error_code(err, std::generic_category()).message());
}

Result<void> write_all(int fd, ByteSpan data, const fs::path& p) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", p, errno);
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return ok();
}

// Reads exactly out.size() bytes at offset; short files are Corrupt (the size was checked).
Result<void> read_exact(int fd, std::span<std::uint8_t> out, off_t offset, const fs::path& p) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(fd, out.data() + done, out.size() - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", p, errno);
    }
    if (n == 0) return make_error(Errc::Corrupt, p.string() + ": shorter than its header says");
    done += static_cast<std::size_t>(n);
  }
  return ok();
}

// Makes dir's entries durable. A directory removed meanwhile (ENOENT) needs nothing more: it
// was empty when removed, and its remover syncs the parent.
Result<void> fsync_dir(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return ok();
    return io_error("open directory", dir, errno);
  }
  if (::fsync(fd.get()) != 0) return io_error("fsync directory", dir, errno);
  return ok();
}

std::chrono::system_clock::time_point mtime_of(const struct stat& st) {
  const auto since_epoch =
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
}

// --- names --------------------------------------------------------------------------------

// The file-system name of a key segment: its text with '%' as %25, plus %2F for a directory
// (which stands for "segment/").
std::string encode_name(std::string_view segment, bool directory) {
  std::string out;
  for (char c : segment) {
    if (c == '%') {
      out += "%25";
    } else {
      out += c;
    }
  }
  if (directory) out += "%2F";
  return out;
}

struct DirEntry {
  std::string text;  // decoded: "seg" for a file, "seg/" for a directory
  std::string name;  // on disk
  bool directory = false;
};

// Inverse of encode_name; nullopt for names this store never writes (temporary files).
std::optional<DirEntry> decode_name(std::string_view name) {
  DirEntry e;
  e.name = std::string(name);
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      e.text += name[i];
    } else if (name.substr(i, 3) == "%25") {
      e.text += '%';
      i += 2;
    } else if (name.substr(i) == "%2F") {
      e.text += '/';
      e.directory = true;
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  const std::string_view seg(e.text.data(), e.text.size() - (e.directory ? 1 : 0));
  if (seg.empty() || seg == "." || seg == "..") return std::nullopt;
  return e;
}

struct Location {
  std::vector<fs::path> dirs;  // every directory from objects/ down to the file's parent
  fs::path file;
};

// --- object files ---------------------------------------------------------------------------

Bytes make_header(std::uint64_t length, const ByteArray<16>& digest) {
  Bytes h(kMagic.begin(), kMagic.end());
  for (int i = 0; i < 8; ++i) h.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
  h.insert(h.end(), digest.begin(), digest.end());
  EV_ASSERT(h.size() == kHeaderSize, "object header size");
  return h;
}

struct OpenObject {
  Fd fd;
  std::uint64_t length = 0;
  ByteArray<16> md5{};
  std::chrono::system_clock::time_point mtime;
};

// Opens an object file and checks its header against the file's size.
Result<OpenObject> open_object(const fs::path& p, std::string_view key) {
  OpenObject o;
  o.fd = Fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!o.fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return make_error(Errc::NotFound, "no object under \"" + std::string(key) + "\"");
    }
    return io_error("open", p, errno);
  }
  struct stat st {};
  if (::fstat(o.fd.get(), &st) != 0) return io_error("stat", p, errno);
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  if (!S_ISREG(st.st_mode) || file_size < kHeaderSize) {
    return make_error(Errc::Corrupt, p.string() + ": not an object file (too short)");
  }
  ByteArray<kHeaderSize> h{};
  EV_TRY(read_exact(o.fd.get(), h, 0, p));
  if (!std::equal(kMagic.begin(), kMagic.end(), h.begin())) {
    return make_error(Errc::Corrupt, p.string() + ": bad magic at offset 0");
  }
  for (int i = 0; i < 8; ++i)
    o.length |= std::uint64_t{h[8 + static_cast<std::size_t>(i)]} << (8 * i);
  if (o.length != file_size - kHeaderSize) {
    return make_error(Errc::Corrupt, p.string() + ": header at offset 8 says " +
                                         std::to_string(o.length) + " content bytes, file has " +
                                         std::to_string(file_size - kHeaderSize));
  }
  std::copy(h.begin() + 16, h.end(), o.md5.begin());
  o.mtime = mtime_of(st);
  return o;
}

std::string strip_quotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

// --- listing --------------------------------------------------------------------------------

struct ListWalk {
  std::string_view prefix;
  std::string_view bound;  // keys must be strictly greater
  std::size_t want;        // stop after this many
  std::vector<ListEntry> out;
};

Result<std::vector<DirEntry>> read_dir(const fs::path& dir) {
  std::vector<DirEntry> entries;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return entries;  // removed by a concurrent cleanup
    return io_error("open directory", dir, errno);
  }
  while (true) {
    errno = 0;
    const dirent* de = ::readdir(d);
    if (de == nullptr) break;
    auto e = decode_name(de->d_name);
    if (!e) continue;
    bool is_dir = de->d_type == DT_DIR;
    bool is_reg = de->d_type == DT_REG;
    if (de->d_type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(::dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      is_dir = S_ISDIR(st.st_mode);
      is_reg = S_ISREG(st.st_mode);
    }
    if (e->directory ? is_dir : is_reg) entries.push_back(std::move(*e));
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return io_error("read directory", dir, err);
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.text < b.text; });
  return entries;
}

Result<void> walk(const fs::path& dir, const std::string& key_prefix, ListWalk& w) {
  const std::vector<DirEntry> entries = EV_TRY(read_dir(dir));
  for (const DirEntry& e : entries) {
    if (w.out.size() >= w.want) return ok();
    const std::string full = key_prefix + e.text;
    const bool in_prefix = full.starts_with(w.prefix);
    if (!in_prefix && !w.prefix.starts_with(full)) {
      if (full > w.prefix) return ok();  // sorted: nothing later can match the prefix
      continue;
    }
    if (e.directory) {
      const bool all_below_bound = full < w.bound && !w.bound.starts_with(full);
      if (!all_below_bound) EV_TRY(walk(dir / e.name, full, w));
      continue;
    }
    if (!in_prefix || full <= w.bound || !validate_key(full)) continue;
    auto o = open_object(dir / e.name, full);
    if (!o) {
      if (is(o.error(), Errc::NotFound)) continue;  // removed while listing
      return std::move(o).error();
    }
    w.out.push_back({full, ObjectInfo{o->length, to_hex(o->md5, false), o->mtime}});
  }
  return ok();
}

Result<std::string> decode_token(std::string_view token) {
  const auto bad = [] { return make_error(Errc::InvalidArgument, "unknown continuation token"); };
  if (!token.starts_with(kTokenTag)) return bad();
  auto raw = from_hex(token.substr(kTokenTag.size()));
  if (!raw || raw->empty() || raw->size() > kMaxKeyBytes) return bad();
  return std::string(raw->begin(), raw->end());
}

std::string encode_token(std::string_view last_key) {
  return std::string(kTokenTag) + to_hex(as_bytes(last_key), false);
}

}  // namespace

// --- DirectoryStore -----------------------------------------------------------------------

namespace {

// Temporary files a crashed put left behind ("%tmp.*"), once older than any put in progress can
// be: removed at open, best effort (another process may share the store and remove them first).
constexpr auto kStaleTemp = std::chrono::hours(1);

void remove_stale_temps(const fs::path& objects) {
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  for (fs::recursive_directory_iterator
           it(objects, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("%tmp.", 0) != 0) continue;
    std::error_code e2;
    if (!it->is_regular_file(e2) || e2) continue;
    const auto written = it->last_write_time(e2);
    if (!e2 && now - written > kStaleTemp) fs::remove(it->path(), e2);
  }
}

}  // namespace

DirectoryStore::DirectoryStore(fs::path root)
    : root_(std::move(root)), objects_(root_ / "objects"), temp_seed_(0) {
  std::random_device rd;
  temp_seed_ = (std::uint64_t{rd()} << 32) ^ rd() ^ static_cast<std::uint64_t>(::getpid());
}

Result<std::unique_ptr<DirectoryStore>> DirectoryStore::open(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root / "objects", ec);
  if (ec)
    return make_error(Errc::Io, "create " + (root / "objects").string() + ": " + ec.message());
  const fs::path format = root / "FORMAT";
  Fd fd(::open(format.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.valid()) {
    char buf[64];
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) return io_error("read", format, errno);
    if (std::string_view(buf, static_cast<std::size_t>(n)) != kFormat) {
      return make_error(Errc::Unsupported, format.string() + ": not a format this build reads");
    }
  } else if (errno == ENOENT) {
    const fs::path tmp = root / ("%FORMAT." + std::to_string(::getpid()));
    Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!out.valid()) return io_error("create", tmp, errno);
    EV_TRY(write_all(out.get(), as_bytes(kFormat), tmp));
    if (::fsync(out.get()) != 0 || out.close() != 0) return io_error("write", tmp, errno);
    if (::rename(tmp.c_str(), format.c_str()) != 0) return io_error("rename", tmp, errno);
    EV_TRY(fsync_dir(root));
  } else {
    return io_error("open", format, errno);
  }
  remove_stale_temps(root / "objects");
  return std::unique_ptr<DirectoryStore>(new DirectoryStore(root));
}

std::string DirectoryStore::temp_name() {
  // '%' followed by "tmp" is never an encoded name, so list() and get() cannot see it.
  const std::uint64_t n = temp_counter_.fetch_add(1, std::memory_order_relaxed);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%%tmp.%016llx.%llu", static_cast<unsigned long long>(temp_seed_),
                static_cast<unsigned long long>(n));
  return buf;
}

Result<fs::path> DirectoryStore::object_path(std::string_view key) const {
  EV_TRY(validate_key(key));
  fs::path p = objects_;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = key.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string name = encode_name(key.substr(start, last ? key.npos : slash - start), !last);
    if (name.size() > kMaxNameBytes) {
      return make_error(Errc::InvalidKey, "segment at byte " + std::to_string(start) + " is " +
                                              std::to_string(name.size()) +
                                              " bytes on disk (directory store limit 255)");
    }
    p /= name;
    if (last) return p;
    start = slash + 1;
  }
}

namespace {

Location locate(const fs::path& objects, const fs::path& file) {
  Location loc;
  loc.file = file;
  for (fs::path d = file.parent_path(); d != objects; d = d.parent_path()) loc.dirs.push_back(d);
  std::reverse(loc.dirs.begin(), loc.dirs.end());
  return loc;
}

// Creates the missing directories of loc. false: one vanished meanwhile (retry).
Result<bool> make_dirs(const fs::path& objects, const Location& loc) {
  fs::path parent = objects;
  for (const fs::path& d : loc.dirs) {
    if (::mkdir(d.c_str(), 0755) == 0) {
      EV_TRY(fsync_dir(parent));
    } else if (errno == ENOENT) {
      return false;
    } else if (errno != EEXIST) {
      return io_error("create directory", d, errno);
    }
    parent = d;
  }
  return true;
}

// Moves tmp to target; with no_replace, fails with EEXIST when target exists.
int install(const fs::path& tmp, const fs::path& target, bool no_replace) {
  if (!no_replace) return ::rename(tmp.c_str(), target.c_str());
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) {
    return 0;
  }
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // File systems without RENAME_NOREPLACE: link() fails atomically when target exists.
  if (::link(tmp.c_str(), target.c_str()) != 0) return -1;
  ::unlink(tmp.c_str());
  return 0;
}

}  // namespace

namespace {

Result<void> check_digests(std::string_view key, ByteSpan data, const ByteArray<16>& digest,
                           const PutOptions& options) {
  if (options.content_md5 && *options.content_md5 != digest) {
    return make_error(Errc::Corrupt,
                      "Content-MD5 does not match the data for \"" + std::string(key) + "\"");
  }
  if (options.sha256 && *options.sha256 != ev::sha256(data)) {
    return make_error(Errc::Corrupt,
                      "SHA-256 does not match the data for \"" + std::string(key) + "\"");
  }
  return ok();
}

// Writes header and data to the new file tmp, fsync'ed and closed. false: tmp's directory was
// removed meanwhile, or the name is taken; try again. Once tmp exists, its directory cannot be
// removed by a concurrent clean-up (it is not empty).
Result<bool> write_temp(const fs::path& tmp, ByteSpan header, ByteSpan data) {
  // Objects are for the store's owner only (ciphertext, but named by wallet and service).
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == EEXIST) return false;
    return io_error("create", tmp, errno);
  }
  auto written = write_all(fd.get(), header, tmp);
  if (written) written = write_all(fd.get(), data, tmp);
  if (written && (::fsync(fd.get()) != 0 || fd.close() != 0)) {
    written = io_error("write", tmp, errno);
  }
  if (!written) {
    ::unlink(tmp.c_str());
    return std::move(written).error();
  }
  return true;
}

}  // namespace

Result<PutResult> DirectoryStore::put(std::string_view key, ByteSpan data,
                                      const PutOptions& options) {
  const fs::path file = EV_TRY(object_path(key));
  const ByteArray<16> digest = md5(data);
  EV_TRY(check_digests(key, data, digest, options));
  const Bytes header = make_header(data.size(), digest);
  const Location loc = locate(objects_, file);
  const fs::path dir = file.parent_path();
  for (int attempt = 0; attempt < kPutAttempts; ++attempt) {
    if (!EV_TRY(make_dirs(objects_, loc))) continue;
    const fs::path tmp = dir / temp_name();
    if (!EV_TRY(write_temp(tmp, header, data))) continue;
    if (install(tmp, file, options.create_only) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      if (options.create_only && err == EEXIST) {
        return make_error(Errc::PreconditionFailed,
                          "an object exists under \"" + std::string(key) + "\"");
      }
      return io_error("rename into", file, err);
    }
    EV_TRY(fsync_dir(dir));
    return PutResult{to_hex(digest, false)};
  }
  return make_error(Errc::Io, "directories of \"" + std::string(key) +
                                  "\" kept disappearing under concurrent removals");
}

Result<Object> DirectoryStore::get(std::string_view key, const GetOptions& options) {
  const fs::path file = EV_TRY(object_path(key));
  OpenObject o = EV_TRY(open_object(file, key));
  const std::string etag = to_hex(o.md5, false);
  if (options.if_match && strip_quotes(*options.if_match) != etag) {
    return make_error(Errc::PreconditionFailed, "etag of \"" + std::string(key) + "\" is " + etag +
                                                    ", not " + *options.if_match);
  }
  Object out;
  out.data.resize(o.length);
  EV_TRY(read_exact(o.fd.get(), out.data, static_cast<off_t>(kHeaderSize), file));
  if (md5(out.data) != o.md5) {
    return make_error(Errc::Corrupt, file.string() + ": content fails the MD5 in its header");
  }
  out.etag = etag;
  out.size = o.length;
  return out;
}

Result<ObjectInfo> DirectoryStore::head(std::string_view key) {
  const fs::path file = EV_TRY(object_path(key));
  const OpenObject o = EV_TRY(open_object(file, key));
  return ObjectInfo{o.length, to_hex(o.md5, false), o.mtime};
}

Result<void> DirectoryStore::remove(std::string_view key) {
  const fs::path file = EV_TRY(object_path(key));
  if (::unlink(file.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return ok();
    return io_error("remove", file, errno);
  }
  EV_TRY(fsync_dir(file.parent_path()));
  // Best effort: remove the directories this left empty, deepest first; stop at the first
  // that is not empty (or was removed by someone else).
  const Location loc = locate(objects_, file);
  for (auto it = loc.dirs.rbegin(); it != loc.dirs.rend(); ++it) {
    if (::rmdir(it->c_str()) != 0) break;
    if (!fsync_dir(it->parent_path())) break;
  }
  return ok();
}

Result<RemoveManyResult> DirectoryStore::remove_many(const std::vector<std::string>& keys) {
  if (keys.size() > kMaxKeysPerCall) {
    return make_error(Errc::InvalidArgument, std::to_string(keys.size()) +
                                                 " keys in one call (limit " +
                                                 std::to_string(kMaxKeysPerCall) + ")");
  }
  RemoveManyResult out;
  for (const std::string& key : keys) {
    auto r = remove(key);
    if (!r) out.errors.push_back({key, std::move(r).error()});
  }
  return out;
}

Result<ListPage> DirectoryStore::list(const ListOptions& options) {
  if (options.max_keys == 0) return make_error(Errc::InvalidArgument, "max_keys is 0");
  EV_TRY(validate_prefix(options.prefix));
  std::string bound = options.start_after;
  if (!options.continuation_token.empty()) bound = EV_TRY(decode_token(options.continuation_token));
  const std::size_t limit = std::min<std::size_t>(options.max_keys, kMaxKeysPerCall);
  ListWalk w{options.prefix, bound, limit + 1, {}};
  EV_TRY(walk(objects_, "", w));
  ListPage page;
  page.truncated = w.out.size() > limit;
  if (page.truncated) {
    w.out.resize(limit);
    page.next_continuation_token = encode_token(w.out.back().key);
  }
  page.objects = std::move(w.out);
  return page;
}

}  // namespace ev::s3
