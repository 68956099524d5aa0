// The HTTP gate's reading of a request head (ev::worker::scan_head) over arbitrary bytes, with
// small and default limits: never crashes, and a complete head lies within the input and the
// caps, with a body length within max_body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ev/worker/http_gate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  ev::worker::HttpLimits small;
  small.max_header_bytes = 256;
  small.max_header_lines = 4;
  small.max_body = 100;
  for (const auto& limits : {ev::worker::HttpLimits{}, small}) {
    const auto r = ev::worker::scan_head(in, limits);
    if (r.state == ev::worker::HeadScan::State::Complete) {
      if (r.head_size > in.size() || r.head_size > limits.max_header_bytes) __builtin_trap();
      if (r.content_length > limits.max_body) __builtin_trap();
      if (r.expect_at && *r.expect_at + 6 > r.head_size) __builtin_trap();
    }
    if (r.state == ev::worker::HeadScan::State::Refused && r.status < 400) __builtin_trap();
  }
  return 0;
}
