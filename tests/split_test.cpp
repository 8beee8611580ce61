// Unit tests of the seeded, content-decided split.
#include <catch2/catch.hpp>

#include "tuneprep/split.hpp"

using namespace tuneprep;

TEST_CASE("split ratio is honoured within statistical noise") {
  int validation = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    Hash128 h{static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull, static_cast<uint64_t>(i) ^ 0xABCDEFull};
    if (assign_side(h, 0, 0.1) == Side::kValidation) ++validation;
  }
  // Binomial(100000, 0.1): sd ~ 95, so +-600 is > 6 sd.
  CHECK(validation > 9400);
  CHECK(validation < 10600);
}

TEST_CASE("split side depends only on content and seed") {
  Hash128 h{42, 4242};
  const Side side = assign_side(h, 7, 0.3);
  for (int i = 0; i < 10; ++i) CHECK(assign_side(h, 7, 0.3) == side);
  int moved = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    if (assign_side(h, seed, 0.5) != assign_side(h, seed + 1000, 0.5)) ++moved;
  }
  CHECK(moved > 40);  // the seed really changes the assignment
}

TEST_CASE("ratio 0 sends everything to train, a larger ratio only adds to validation") {
  for (uint64_t i = 0; i < 1000; ++i) {
    Hash128 h{i, i * 31};
    CHECK(assign_side(h, 1, 0.0) == Side::kTrain);
    if (assign_side(h, 1, 0.1) == Side::kValidation) CHECK(assign_side(h, 1, 0.2) == Side::kValidation);
  }
}
