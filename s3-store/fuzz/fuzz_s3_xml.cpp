// The S3 XML response parsers (ListBucketResult, DeleteResult, Error) and the text-field parsers
// on arbitrary bytes: no crash, no read past the input, and the invariants each parser promises
// hold for whatever it accepts.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ev/s3/s3_client.hpp"
#include "ev/s3/s3_xml.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace xml = ev::s3::xml;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto list = xml::parse_list_objects_v2(text); list.ok()) {
    check(list->contents.size() <= xml::kMaxEntries);
    check(!list->truncated || !list->next_continuation_token.empty());
    for (const auto& o : list->contents) check(!o.key.empty());
  } else {
    check(ev::is(list.error(), ev::s3::Errc::Protocol) && !list.error().message.empty());
  }
  if (auto del = xml::parse_delete_result(text); del.ok()) {
    check(del->deleted.size() + del->errors.size() <= xml::kMaxEntries);
    for (const auto& e : del->errors) check(!e.key.empty() && !e.code.empty());
  } else {
    check(ev::is(del.error(), ev::s3::Errc::Protocol));
  }
  if (auto err = xml::parse_error(text); err.ok()) {
    check(!err->code.empty());
    ev::s3::S3ErrorResponse r;
    r.status = 400;
    r.code = err->code;
    r.message = err->message;
    const ev::Error mapped = ev::s3::map_s3_error(r);
    check(mapped.message.find('\n') == std::string::npos);
  }
  (void)xml::parse_iso8601(text);
  (void)xml::parse_http_date(text);
  (void)ev::s3::parse_retry_after(text, std::chrono::system_clock::time_point{});
  if (auto d = xml::decode_url_component(text); d.ok()) check(d->size() <= text.size());
  (void)xml::xml_representable(text);
  return 0;
}
