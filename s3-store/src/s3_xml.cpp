// S3's XML bodies and text fields; the rules are in include/ev/s3/s3_xml.hpp.
#include "ev/s3/s3_xml.hpp"

#include <pugixml.hpp>

#include <array>
#include <charconv>
#include <optional>

namespace ev::s3::xml {
namespace {

using Clock = std::chrono::system_clock;

Error bad(std::string_view where, std::string_view why) {
  return make_error(Errc::Protocol, std::string(where) + ": " + std::string(why));
}

// Printable form of an untrusted value for a message: at most 64 bytes, controls as '?'.
std::string shown(std::string_view v) {
  constexpr std::size_t kMax = 64;
  std::string s(v.substr(0, kMax));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return "'" + s + (v.size() > kMax ? "...'" : "'");
}

// Parses body into doc and returns its one root element, which must be named root.
Result<pugi::xml_node> load(pugi::xml_document& doc, std::string_view body, std::string_view root) {
  if (body.size() > kMaxXmlBytes) {
    return bad(root, "body of " + std::to_string(body.size()) + " bytes exceeds the limit of " +
                         std::to_string(kMaxXmlBytes));
  }
  const unsigned options = pugi::parse_default | pugi::parse_doctype | pugi::parse_ws_pcdata_single;
  const pugi::xml_parse_result r =
      doc.load_buffer(body.data(), body.size(), options, pugi::encoding_utf8);
  if (!r) {
    return bad(root, std::string("malformed XML at offset ") + std::to_string(r.offset) + ": " +
                         r.description());
  }
  pugi::xml_node found;
  for (pugi::xml_node n : doc.children()) {
    switch (n.type()) {
      case pugi::node_element:
        if (found) return bad(root, "more than one root element");
        found = n;
        break;
      case pugi::node_doctype: return bad(root, "DOCTYPE is not allowed");
      case pugi::node_pcdata:
      case pugi::node_cdata: return bad(root, "text outside the root element");
      default: break;  // declaration, comments, processing instructions
    }
  }
  if (!found) return bad(root, "no root element");
  if (std::string_view(found.name()) != root) {
    return bad(root, "the root element is " + shown(found.name()));
  }
  return found;
}

// The text of an element that must hold only text (PCDATA/CDATA; comments skipped).
Result<std::string> text_of(pugi::xml_node el, const std::string& where) {
  std::string out;
  for (pugi::xml_node c : el.children()) {
    switch (c.type()) {
      case pugi::node_pcdata:
      case pugi::node_cdata: out += c.value(); break;
      case pugi::node_comment:
      case pugi::node_pi: break;
      default: return bad(where, std::string("unexpected element <") + c.name() + "> in text");
    }
  }
  return out;
}

// The one child element called name, or nullopt; a repeated one is an error.
Result<std::optional<pugi::xml_node>> single(pugi::xml_node parent, const char* name,
                                             const std::string& where) {
  std::optional<pugi::xml_node> found;
  for (pugi::xml_node c : parent.children(name)) {
    if (found) return bad(where + "/" + name, "appears more than once");
    found = c;
  }
  return found;
}

// Text of an optional single child ("" when absent).
Result<std::string> optional_text(pugi::xml_node parent, const char* name,
                                  const std::string& where) {
  const auto node = EV_TRY(single(parent, name, where));
  if (!node) return std::string();
  return text_of(*node, where + "/" + name);
}

Result<std::string> required_text(pugi::xml_node parent, const char* name,
                                  const std::string& where) {
  const auto node = EV_TRY(single(parent, name, where));
  if (!node) return bad(where + "/" + name, "missing");
  return text_of(*node, where + "/" + name);
}

Result<std::uint64_t> parse_u64(std::string_view text, const std::string& where) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end) {
    return bad(where, shown(text) + " is not a decimal size");
  }
  return v;
}

Result<bool> parse_bool(std::string_view text, const std::string& where) {
  if (text == "true") return true;
  if (text == "false") return false;
  return bad(where, shown(text) + " is not true or false");
}

// Reads exactly n decimal digits at s[pos].
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Years 1970..2200 only: the clock's nanosecond range ends in 2262, and S3 times are recent.
std::optional<Clock::time_point> make_time(int y, int mo, int d, int h, int mi, int sec) {
  using namespace std::chrono;
  if (y < 1970 || y > 2200) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void escape_into(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;  // literal CR would be normalised away by the parser
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      default: out += c;
    }
  }
}

Result<ListedObject> parse_contents(pugi::xml_node node, const std::string& where, bool url) {
  ListedObject o;
  o.key = EV_TRY(required_text(node, "Key", where));
  if (url) o.key = EV_TRY_CTX(where + "/Key", decode_url_component(o.key));
  if (o.key.empty()) return bad(where + "/Key", "empty");
  const std::string size = EV_TRY(required_text(node, "Size", where));
  o.size = EV_TRY(parse_u64(size, where + "/Size"));
  const std::string etag = EV_TRY(required_text(node, "ETag", where));
  o.etag = unquote_etag(etag);
  const std::string modified = EV_TRY(required_text(node, "LastModified", where));
  o.last_modified = EV_TRY_CTX(where + "/LastModified", parse_iso8601(modified));
  return o;
}

}  // namespace

Result<ErrorBody> parse_error(std::string_view body) {
  pugi::xml_document doc;
  const pugi::xml_node root = EV_TRY(load(doc, body, "Error"));
  ErrorBody e;
  e.code = EV_TRY(required_text(root, "Code", "Error"));
  if (e.code.empty()) return bad("Error/Code", "empty");
  e.message = EV_TRY(optional_text(root, "Message", "Error"));
  e.request_id = EV_TRY(optional_text(root, "RequestId", "Error"));
  e.key = EV_TRY(optional_text(root, "Key", "Error"));
  return e;
}

Result<ListBucketResult> parse_list_objects_v2(std::string_view body) {
  static const std::string kRoot = "ListBucketResult";
  pugi::xml_document doc;
  const pugi::xml_node root = EV_TRY(load(doc, body, kRoot));
  const std::string encoding = EV_TRY(optional_text(root, "EncodingType", kRoot));
  if (!encoding.empty() && encoding != "url") {
    return bad(kRoot + "/EncodingType", shown(encoding) + " is not 'url'");
  }
  const bool url = encoding == "url";
  ListBucketResult out;
  out.prefix = EV_TRY(optional_text(root, "Prefix", kRoot));
  if (url) out.prefix = EV_TRY_CTX(kRoot + "/Prefix", decode_url_component(out.prefix));
  const std::string truncated = EV_TRY(required_text(root, "IsTruncated", kRoot));
  out.truncated = EV_TRY(parse_bool(truncated, kRoot + "/IsTruncated"));
  out.next_continuation_token = EV_TRY(optional_text(root, "NextContinuationToken", kRoot));
  if (out.truncated && out.next_continuation_token.empty()) {
    return bad(kRoot + "/NextContinuationToken", "missing although IsTruncated is true");
  }
  for (pugi::xml_node c : root.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view name = c.name();
    if (name == "CommonPrefixes") {
      ++out.common_prefixes;
    } else if (name == "Contents") {
      if (out.contents.size() == kMaxEntries) {
        return bad(kRoot, "more than " + std::to_string(kMaxEntries) + " Contents");
      }
      const std::string where = kRoot + "/Contents[" + std::to_string(out.contents.size()) + "]";
      out.contents.push_back(EV_TRY(parse_contents(c, where, url)));
    }
  }
  if (out.common_prefixes > kMaxEntries) {
    return bad(kRoot, "more than " + std::to_string(kMaxEntries) + " CommonPrefixes");
  }
  const std::string key_count = EV_TRY(optional_text(root, "KeyCount", kRoot));
  if (!key_count.empty()) {
    const std::uint64_t n = EV_TRY(parse_u64(key_count, kRoot + "/KeyCount"));
    if (n != out.contents.size() + out.common_prefixes) {
      return bad(kRoot + "/KeyCount", std::to_string(n) + " but the page holds " +
                                          std::to_string(out.contents.size()) + " keys");
    }
  }
  return out;
}

Result<DeleteResult> parse_delete_result(std::string_view body) {
  static const std::string kRoot = "DeleteResult";
  pugi::xml_document doc;
  const pugi::xml_node root = EV_TRY(load(doc, body, kRoot));
  DeleteResult out;
  for (pugi::xml_node c : root.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view name = c.name();
    if (name != "Deleted" && name != "Error") continue;
    const std::size_t n = out.deleted.size() + out.errors.size();
    if (n == kMaxEntries) {
      return bad(kRoot, "more than " + std::to_string(kMaxEntries) + " entries");
    }
    const std::string where = kRoot + "/" + std::string(name) + "[" + std::to_string(n) + "]";
    std::string key = EV_TRY(required_text(c, "Key", where));
    if (key.empty()) return bad(where + "/Key", "empty");
    if (name == "Deleted") {
      out.deleted.push_back(std::move(key));
      continue;
    }
    DeleteError e;
    e.key = std::move(key);
    e.code = EV_TRY(required_text(c, "Code", where));
    if (e.code.empty()) return bad(where + "/Code", "empty");
    e.message = EV_TRY(optional_text(c, "Message", where));
    out.errors.push_back(std::move(e));
  }
  return out;
}

bool xml_representable(std::string_view key) {
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
    if (c == 0xef && i + 2 < key.size() && static_cast<unsigned char>(key[i + 1]) == 0xbf &&
        (static_cast<unsigned char>(key[i + 2]) & 0xfe) == 0xbe) {
      return false;
    }
  }
  return true;
}

std::string delete_request(std::span<const std::string> keys, bool quiet) {
  EV_ASSERT(!keys.empty() && keys.size() <= kMaxEntries, "delete_request: 1..1000 keys");
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  out += quiet ? "<Quiet>true</Quiet>" : "<Quiet>false</Quiet>";
  for (const std::string& k : keys) {
    EV_ASSERT(xml_representable(k), "delete_request: key not representable in XML");
    out += "<Object><Key>";
    escape_into(out, k);
    out += "</Key></Object>";
  }
  out += "</Delete>";
  return out;
}

std::string unquote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

Result<Clock::time_point> parse_iso8601(std::string_view s) {
  const auto fail = [&] {
    return make_error(Errc::Protocol, shown(s) +
                                          " is not an ISO 8601 UTC time "
                                          "(YYYY-MM-DDTHH:MM:SS[.fff]Z)");
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s.back() != 'Z') {
    return fail();
  }
  const auto y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const auto h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (!y || !mo || !d || !h || !mi || !sec) return fail();
  auto t = make_time(*y, *mo, *d, *h, *mi, *sec);
  if (!t) return fail();
  const std::string_view rest = s.substr(19, s.size() - 20);  // between seconds and 'Z'
  if (rest.empty()) return *t;
  if (rest.size() < 2 || rest.size() > 10 || rest[0] != '.') return fail();
  std::int64_t micros = 0;
  for (std::size_t i = 1; i < rest.size(); ++i) {
    if (rest[i] < '0' || rest[i] > '9') return fail();
    if (i <= 6) micros = micros * 10 + (rest[i] - '0');
  }
  for (std::size_t i = rest.size(); i <= 6; ++i) micros *= 10;
  return *t + std::chrono::microseconds(micros);
}

Result<Clock::time_point> parse_http_date(std::string_view s) {
  static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                            "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto fail = [&] {
    return make_error(Errc::Protocol,
                      shown(s) + " is not an HTTP date (e.g. 'Sun, 06 Nov 1994 08:49:37 GMT')");
  };
  // "Sun, 06 Nov 1994 08:49:37 GMT": 29 bytes.
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return fail();
  }
  bool day_ok = false;
  for (auto d : kDays) day_ok = day_ok || s.substr(0, 3) == d;
  int month = 0;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (s.substr(8, 3) == kMonths[i]) month = static_cast<int>(i) + 1;
  }
  const auto d = digits(s, 5, 2), y = digits(s, 12, 4);
  const auto h = digits(s, 17, 2), mi = digits(s, 20, 2), sec = digits(s, 23, 2);
  if (!day_ok || month == 0 || !d || !y || !h || !mi || !sec) return fail();
  auto t = make_time(*y, month, *d, *h, *mi, *sec);
  if (!t) return fail();
  return *t;
}

Result<std::string> decode_url_component(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return make_error(Errc::Protocol, "bad percent-escape at offset " + std::to_string(i) +
                                              " of " + shown(text));
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

}  // namespace ev::s3::xml
