#include <catch2/catch.hpp>
#include <utility>

#include "ev/enclave/secret_bytes.hpp"

using namespace ev;
using namespace ev::enclave;

TEST_CASE("secret bytes: copy, compare, truncate, move and clear", "[secret]") {
  const Bytes src = {1, 2, 3, 4};
  SecretBytes s = SecretBytes::copy_of(src);
  CHECK(s.size() == 4);
  CHECK(s.equals(src));
  CHECK_FALSE(s.equals(Bytes{1, 2, 3, 5}));
  CHECK_FALSE(s.equals(Bytes{1, 2, 3}));
  s.truncate(2);
  CHECK(s.equals(Bytes{1, 2}));
  SecretBytes moved = std::move(s);
  CHECK(moved.equals(Bytes{1, 2}));
  CHECK(s.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  moved.clear();
  CHECK(moved.empty());
  CHECK(moved.data() == nullptr);
  SecretBytes zero(0);
  CHECK(zero.equals(Bytes{}));
}
