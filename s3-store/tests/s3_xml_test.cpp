#include "ev/s3/s3_xml.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace ev::s3::xml;
using ev::s3::Errc;
using namespace std::chrono;

namespace {

template <class T>
bool protocol_error(const ev::Result<T>& r, std::string_view fragment) {
  if (r.ok()) return false;
  INFO(r.error().message);
  return ev::is(r.error(), Errc::Protocol) && r.error().message.find(fragment) != std::string::npos;
}

const char* kRgwList =
    R"(<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>ev-interop</Name><Prefix></Prefix><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated><Contents><Key>#hash</Key><LastModified>2026-11-21T16:44:53.524Z</LastModified><ETag>&quot;9dd4e461268c8034f5c8564e155c67a6&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass><Type>Normal</Type></Contents><Contents><Key>1+1=2</Key><LastModified>2026-11-21T16:44:53.473Z</LastModified><ETag>&quot;9dd4e461268c8034f5c8564e155c67a6&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass><Type>Normal</Type></Contents><NextContinuationToken>1+1=2</NextContinuationToken><KeyCount>2</KeyCount></ListBucketResult>)";

std::string list_doc(const std::string& inner) {
  return "<ListBucketResult>" + inner + "</ListBucketResult>";
}

std::string contents(const std::string& key, const std::string& size = "1") {
  return "<Contents><Key>" + key +
         "</Key><LastModified>2024-01-02T03:04:05Z</LastModified><ETag>\"e\"</ETag><Size>" + size +
         "</Size></Contents>";
}

}  // namespace

TEST_CASE("s3 xml: parses a ListBucketResult as Ceph RGW writes it", "[s3][xml]") {
  auto r = parse_list_objects_v2(kRgwList);
  REQUIRE(r.ok());
  CHECK(r->truncated);
  CHECK(r->next_continuation_token == "1+1=2");
  REQUIRE(r->contents.size() == 2);
  CHECK(r->contents[0].key == "#hash");
  CHECK(r->contents[1].key == "1+1=2");  // no EncodingType: '+' is literal
  CHECK(r->contents[0].size == 1);
  CHECK(r->contents[0].etag == "9dd4e461268c8034f5c8564e155c67a6");
  const auto expected =
      sys_days{year{2026} / 11 / 21} + hours{16} + minutes{44} + seconds{53} + milliseconds{524};
  CHECK(r->contents[0].last_modified == expected);
}

TEST_CASE("s3 xml: url-encoded listings are decoded, tokens are not", "[s3][xml]") {
  auto r = parse_list_objects_v2(list_doc(
      "<EncodingType>url</EncodingType><Prefix>sp+a%2Fb</Prefix><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>a%20b</NextContinuationToken>" +
      contents("sp+ace%2B1%C3%A9") + contents("%EF%BF%BE")));
  REQUIRE(r.ok());
  CHECK(r->prefix == "sp a/b");
  CHECK(r->contents[0].key == "sp ace+1\xc3\xa9");
  CHECK(r->contents[1].key == "\xef\xbf\xbe");
  CHECK(r->next_continuation_token == "a%20b");
}

TEST_CASE("s3 xml: a whitespace-only key and entities survive", "[s3][xml]") {
  auto r = parse_list_objects_v2(list_doc("<IsTruncated>false</IsTruncated>" + contents(" ") +
                                          contents("a&amp;b&lt;c") + contents("<![CDATA[x&y]]>")));
  REQUIRE(r.ok());
  REQUIRE(r->contents.size() == 3);
  CHECK(r->contents[0].key == " ");
  CHECK(r->contents[1].key == "a&b<c");
  CHECK(r->contents[2].key == "x&y");
}

TEST_CASE("s3 xml: list results are checked strictly", "[s3][xml]") {
  CHECK(protocol_error(parse_list_objects_v2(""), "malformed XML at offset"));
  CHECK(protocol_error(parse_list_objects_v2("<ListBucketResult>"), "malformed XML"));
  CHECK(protocol_error(parse_list_objects_v2("<Other/>"), "root element is 'Other'"));
  CHECK(protocol_error(parse_list_objects_v2("<ListBucketResult/><ListBucketResult/>"),
                       "more than one root"));
  CHECK(protocol_error(parse_list_objects_v2("<!DOCTYPE x [<!ENTITY a 'b'>]><ListBucketResult/>"),
                       "DOCTYPE"));
  CHECK(protocol_error(parse_list_objects_v2(list_doc("")), "IsTruncated: missing"));
  CHECK(protocol_error(parse_list_objects_v2(list_doc("<IsTruncated>yes</IsTruncated>")),
                       "'yes' is not true or false"));
  CHECK(protocol_error(
      parse_list_objects_v2(list_doc("<IsTruncated>false</IsTruncated><IsTruncated>false"
                                     "</IsTruncated>")),
      "IsTruncated: appears more than once"));
  CHECK(protocol_error(
      parse_list_objects_v2(list_doc("<IsTruncated>true</IsTruncated>" + contents("a"))),
      "NextContinuationToken: missing although IsTruncated"));
  CHECK(protocol_error(
      parse_list_objects_v2(list_doc("<IsTruncated>false</IsTruncated>" + contents("a", "1x"))),
      "Contents[0]/Size: '1x' is not a decimal size"));
  CHECK(protocol_error(
      parse_list_objects_v2(list_doc("<IsTruncated>false</IsTruncated>" + contents("a", "-1"))),
      "Size"));
  CHECK(protocol_error(parse_list_objects_v2(list_doc("<IsTruncated>false</IsTruncated>" +
                                                      contents("a") + contents("", "2"))),
                       "Contents[1]/Key: empty"));
  CHECK(protocol_error(
      parse_list_objects_v2(list_doc("<IsTruncated>false</IsTruncated><Contents><Key>a</Key>"
                                     "<Size>1</Size><ETag>e</ETag></Contents>")),
      "Contents[0]/LastModified: missing"));
  CHECK(protocol_error(
      parse_list_objects_v2(
          list_doc("<IsTruncated>false</IsTruncated><Contents><Key>a<b/></Key></Contents>")),
      "unexpected element <b>"));
  CHECK(protocol_error(parse_list_objects_v2(list_doc("<IsTruncated>false</IsTruncated>"
                                                      "<KeyCount>2</KeyCount>" +
                                                      contents("a"))),
                       "KeyCount: 2 but the page holds 1"));
  CHECK(protocol_error(parse_list_objects_v2(list_doc("<EncodingType>base64</EncodingType>"
                                                      "<IsTruncated>false</IsTruncated>")),
                       "'base64' is not 'url'"));
  CHECK(protocol_error(parse_list_objects_v2(list_doc("<EncodingType>url</EncodingType>"
                                                      "<IsTruncated>false</IsTruncated>" +
                                                      contents("a%2"))),
                       "bad percent-escape"));
  std::string many;
  for (int i = 0; i < 1001; ++i) many += contents("k" + std::to_string(i));
  CHECK(protocol_error(parse_list_objects_v2(list_doc("<IsTruncated>false</IsTruncated>" + many)),
                       "more than 1000 Contents"));
  CHECK(protocol_error(parse_list_objects_v2(std::string(kMaxXmlBytes + 1, ' ')),
                       "exceeds the limit"));
}

TEST_CASE("s3 xml: error bodies", "[s3][xml]") {
  auto e = parse_error(
      R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message></Message><RequestId>tx1</RequestId><HostId>h</HostId></Error>)");
  REQUIRE(e.ok());
  CHECK(e->code == "SignatureDoesNotMatch");
  CHECK(e->message.empty());
  CHECK(e->request_id == "tx1");
  auto k =
      parse_error("<Error><Code>NoSuchKey</Code><Message>gone</Message><Key>a/b</Key></Error>");
  REQUIRE(k.ok());
  CHECK(k->key == "a/b");
  CHECK(k->message == "gone");
  CHECK(protocol_error(parse_error("<Error><Message>x</Message></Error>"), "Error/Code: missing"));
  CHECK(protocol_error(parse_error("<Error><Code></Code></Error>"), "Error/Code: empty"));
  CHECK(protocol_error(parse_error("<html>Bad Gateway</html>"), "root element is 'html'"));
  CHECK(protocol_error(parse_error("Bad Gateway"), "malformed XML"));
}

TEST_CASE("s3 xml: delete results", "[s3][xml]") {
  auto r = parse_delete_result(
      "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b&amp;c</Key><Code>AccessDenied"
      "</Code><Message>no</Message></Error></DeleteResult>");
  REQUIRE(r.ok());
  CHECK(r->deleted == std::vector<std::string>{"a"});
  REQUIRE(r->errors.size() == 1);
  CHECK(r->errors[0].key == "b&c");
  CHECK(r->errors[0].code == "AccessDenied");
  CHECK(r->errors[0].message == "no");
  CHECK(parse_delete_result("<DeleteResult/>").ok());
  CHECK(protocol_error(parse_delete_result("<DeleteResult><Error><Key>a</Key></Error>"
                                           "</DeleteResult>"),
                       "DeleteResult/Error[0]/Code: missing"));
  CHECK(protocol_error(parse_delete_result("<DeleteResult><Deleted></Deleted></DeleteResult>"),
                       "Deleted[0]/Key: missing"));
}

TEST_CASE("s3 xml: the DeleteObjects body escapes keys", "[s3][xml]") {
  const std::vector<std::string> keys = {"a&b", "<x>", "q\"'", "t\tr"};
  const std::string body = delete_request(keys, true);
  CHECK(body.find("<Quiet>true</Quiet>") != std::string::npos);
  CHECK(body.find("<Key>a&amp;b</Key>") != std::string::npos);
  CHECK(body.find("<Key>&lt;x&gt;</Key>") != std::string::npos);
  CHECK(body.find("<Key>q&quot;&apos;</Key>") != std::string::npos);
  CHECK(body.find("<Key>t&#9;r</Key>") != std::string::npos);
  CHECK(xml_representable("\xe2\x82\xac ok"));
  CHECK_FALSE(xml_representable("x\xef\xbf\xbe"));
  CHECK_FALSE(xml_representable("x\xef\xbf\xbf"));
  CHECK_FALSE(xml_representable(std::string("a\x01", 2)));
}

TEST_CASE("s3 xml: dates", "[s3][xml]") {
  const auto t = sys_days{year{1994} / 11 / 6} + hours{8} + minutes{49} + seconds{37};
  auto h = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
  REQUIRE(h.ok());
  CHECK(*h == t);
  CHECK_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT").ok());
  CHECK_FALSE(parse_http_date("Sun Nov  6 08:49:37 1994").ok());
  CHECK_FALSE(parse_http_date("Sun, 31 Nov 1994 08:49:37 GMT").ok());
  CHECK_FALSE(parse_http_date("Xyz, 06 Nov 1994 08:49:37 GMT").ok());
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 24:49:37 GMT").ok());
  auto i = parse_iso8601("1994-11-06T08:49:37Z");
  REQUIRE(i.ok());
  CHECK(*i == t);
  auto f = parse_iso8601("1994-11-06T08:49:37.123456789Z");
  REQUIRE(f.ok());
  CHECK(*f == t + microseconds(123456));
  CHECK_FALSE(parse_iso8601("1994-11-06T08:49:37").ok());
  CHECK_FALSE(parse_iso8601("1994-02-29T08:49:37Z").ok());
  CHECK(parse_iso8601("1996-02-29T08:49:37Z").ok());
  CHECK_FALSE(parse_iso8601("1994-11-06T08:49:37.Z").ok());
  CHECK_FALSE(parse_iso8601("1994-11-06 08:49:37Z").ok());
  CHECK_FALSE(parse_iso8601("0001-01-01T00:00:00Z").ok());  // outside the clock's range
  CHECK_FALSE(parse_iso8601("9999-12-31T23:59:59Z").ok());
  CHECK_FALSE(parse_http_date("Mon, 01 Jan 1600 00:00:00 GMT").ok());
}

TEST_CASE("s3 xml: etags and url components", "[s3][xml]") {
  CHECK(unquote_etag("\"abc\"") == "abc");
  CHECK(unquote_etag("abc") == "abc");
  CHECK(unquote_etag("\"") == "\"");
  auto d = decode_url_component("a%2fb%2Bc+d");
  REQUIRE(d.ok());
  CHECK(*d == "a/b+c d");
  CHECK_FALSE(decode_url_component("%").ok());
  CHECK_FALSE(decode_url_component("%g0").ok());
  CHECK_FALSE(decode_url_component("ab%4").ok());
}
