// The S3 server these interop tests talk to: tests/interop/with-rgw.sh starts Ceph RGW and
// exports EV_S3_ENDPOINT, EV_S3_BUCKET and the AWS_* credentials. Without them the test
// prints "SKIPPED: <reason>" and exits 77 (ctest: skipped).
#pragma once

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "ev/s3/s3_client.hpp"

namespace ev::s3::rgw {

inline std::string env_or_skip(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    std::printf("SKIPPED: %s is not set (run through tests/interop/with-rgw.sh)\n", name);
    std::fflush(stdout);
    std::exit(77);
  }
  return v;
}

inline std::string endpoint() { return env_or_skip("EV_S3_ENDPOINT"); }
inline std::string bucket() { return env_or_skip("EV_S3_BUCKET"); }

// The port of EV_S3_ENDPOINT ("http://127.0.0.1:PORT").
inline int port() {
  const std::string e = endpoint();
  return std::atoi(e.c_str() + e.rfind(':') + 1);
}

// A client configuration for the server; credentials and region come from the environment
// through the same resolution the CLI uses. Virtual-hosted style addresses "localhost" (RGW's
// `rgw dns name`), which the client connects to on 127.0.0.1.
inline S3Config config(AddressingStyle style = AddressingStyle::Path) {
  S3Config c;
  c.endpoint = endpoint();
  c.bucket = bucket();
  c.style = style;
  if (style == AddressingStyle::VirtualHosted)
    c.endpoint = "http://localhost:" + std::to_string(port());
  auto creds = resolve_credentials({}, process_environment());
  REQUIRE(creds.ok());
  c.credentials = creds->credentials;
  c.region = env_or_skip("AWS_REGION");
  return c;
}

inline std::unique_ptr<S3Client> client(const S3Config& c) {
  auto r = S3Client::create(c);
  REQUIRE(r.ok());
  return std::move(r).value();
}

// A key namespace unique to this run: "<name>-<random>/".
inline std::string ns(const std::string& name) {
  std::random_device rd;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return name + "-" + buf + "/";
}

}  // namespace ev::s3::rgw
