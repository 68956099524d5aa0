// The shared helpers: base64, number and HOST:PORT parsing, SHA-384 of a file, the clock, and
// stop-signal blocking.
#include <signal.h>

#include <array>
#include <catch2/catch.hpp>
#include <fstream>

#include "ev/common/base64.hpp"
#include "ev/common/clock.hpp"
#include "ev/common/digest.hpp"
#include "ev/common/errors.hpp"
#include "ev/common/parse.hpp"
#include "ev/common/signals.hpp"
#include "require_error.hpp"
#include "test_support.hpp"

using namespace ev;

TEST_CASE("base64: RFC 4648 vectors both ways; decoding is strict", "[common]") {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : vectors) {
    CHECK(base64(as_bytes(plain)) == coded);
    const auto back = unbase64(coded);
    REQUIRE(back.ok());
    CHECK(std::string(back->begin(), back->end()) == plain);
  }
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zm9v!", "Zm9v Yg==", "Zm9vYg==x", "-_8="}) {
    INFO(bad);
    const auto r = unbase64(bad);
    REQUIRE_FALSE(r.ok());
    test::require_error(r, CommonErrc::InvalidArgument, "base64");
  }
}

TEST_CASE("base64: decoding into a caller's buffer, as serve decodes a credential", "[common]") {
  std::array<std::uint8_t, 9> buf{};  // "Zm9vYmE=" (8 characters) needs 8 / 4 * 3 + 3 = 9
  const auto n = unbase64_into("Zm9vYmE=", buf);
  REQUIRE(n.ok());
  CHECK(std::string(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n)) == "fooba");
  test::require_error(unbase64_into("Zm9v!", buf), CommonErrc::InvalidArgument, "base64");
  std::array<std::uint8_t, 2> small{};
  test::require_error(unbase64_into("Zm9vYmFy", small), CommonErrc::InvalidArgument, "base64");
}

TEST_CASE("parse: decimal numbers in a range, HOST:PORT", "[common]") {
  CHECK(parse_decimal("0", 0, 10) == 0u);
  CHECK(parse_decimal("18446744073709551615", 0, UINT64_MAX) == UINT64_MAX);
  CHECK_FALSE(parse_decimal("18446744073709551616", 0, UINT64_MAX));  // overflow
  CHECK_FALSE(parse_decimal("", 0, 10));
  CHECK_FALSE(parse_decimal("-1", 0, 10));
  CHECK_FALSE(parse_decimal("+1", 0, 10));
  CHECK_FALSE(parse_decimal(" 1", 0, 10));
  CHECK_FALSE(parse_decimal("11", 0, 10));
  CHECK_FALSE(parse_decimal("4", 5, 10));
  const auto hp = parse_host_port("127.0.0.1:8765");
  REQUIRE(hp.ok());
  CHECK(hp->host == "127.0.0.1");
  CHECK(hp->port == 8765);
  CHECK(parse_host_port("[::1]:0").value().host == "[::1]");
  for (const char* bad : {"8765", ":8765", "host:", "host:65536", "host:x1"}) {
    INFO(bad);
    test::require_error(parse_host_port(bad), CommonErrc::InvalidArgument, "HOST:PORT");
  }
  test::require_error(parse_host_port("host:0", 1), CommonErrc::InvalidArgument, "1..65535");
}

TEST_CASE("sha384_file: the digest of the file's bytes; a missing file names the reason",
          "[common]") {
  test::TempDir dir;
  const auto f = dir.path() / "abc";
  std::ofstream(f) << "abc";
  const auto h = sha384_file(f);
  REQUIRE(h.ok());
  CHECK(to_hex(*h, false) ==
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca1"
        "34c825a7");  // FIPS 180-2, "abc"
  test::require_error(sha384_file(dir.path() / "missing"), CommonErrc::Io, "No such file");
}

TEST_CASE("clock: a manual clock moves only when told; the system clock is near now", "[common]") {
  ManualClock c;
  const auto t0 = c.now();
  CHECK(c.now() == t0);
  c.advance(std::chrono::seconds(90));
  CHECK(c.unix_seconds() == std::chrono::duration_cast<std::chrono::seconds>(
                                t0.time_since_epoch() + std::chrono::seconds(90))
                                .count());
  const auto sys = system_clock().now();
  CHECK(std::chrono::abs(sys - std::chrono::system_clock::now()) < std::chrono::minutes(1));
}

TEST_CASE("signals: SIGINT and SIGTERM are blocked and returned for sigwait", "[common]") {
  sigset_t before;
  pthread_sigmask(SIG_SETMASK, nullptr, &before);
  const auto sigs = block_stop_signals();
  REQUIRE(sigs.ok());
  CHECK(sigismember(&*sigs, SIGINT) == 1);
  CHECK(sigismember(&*sigs, SIGTERM) == 1);
  sigset_t now;
  pthread_sigmask(SIG_SETMASK, nullptr, &now);
  CHECK(sigismember(&now, SIGTERM) == 1);
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
}
