// Unit tests of the seeded, content-decided split.
#include <catch2/catch.hpp>

#include <vector>

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

TEST_CASE("Group splitter gives a record alone in its group the side of its own content") {
  GroupSplitter splitter(3, 0.3);
  for (uint64_t id = 0; id < 1000; ++id) {
    const Hash128 h{id * 0x9E3779B97F4A7C15ull, id};
    CHECK(splitter.assign(id, h, id) == assign_side(h, 3, 0.3));
  }
}

TEST_CASE("Group splitter never lets a group straddle train and validation") {
  GroupSplitter splitter(0, 0.5);
  // 300 groups of 1..5 members with different contents, interleaved.
  std::vector<uint64_t> group_of;
  uint64_t id = 0;
  for (uint64_t round = 0; round < 5; ++round) {
    for (uint64_t g = 0; g < 300; ++g) {
      if (round >= 1 + g % 5) continue;
      const uint64_t first = round == 0 ? id : group_of[g];
      if (round == 0) group_of.push_back(id);
      const Hash128 content{id * 0xD1B54A32D192ED03ull + 7, round};
      splitter.assign(id, content, first);
      ++id;
    }
  }
  int straddling = 0, validation_groups = 0;
  id = 0;
  std::vector<int> sides(300, -1);
  for (uint64_t round = 0; round < 5; ++round) {
    for (uint64_t g = 0; g < 300; ++g) {
      if (round >= 1 + g % 5) continue;
      const int side = static_cast<int>(*splitter.side_of(id++));
      if (sides[g] == -1) {
        sides[g] = side;
        validation_groups += side;
      } else if (sides[g] != side) {
        ++straddling;
      }
    }
  }
  CHECK(straddling == 0);
  CHECK(validation_groups > 100);  // the groups themselves are split about evenly
  CHECK(validation_groups < 200);
}

TEST_CASE("Group splitter treats an unknown group as the start of a new one") {
  GroupSplitter splitter(1, 0.5);
  const Hash128 h{5, 6};
  CHECK(splitter.assign(10, h, 4) == assign_side(h, 1, 0.5));  // 4 was never assigned
  CHECK(splitter.assign(11, h, 99) == assign_side(h, 1, 0.5));  // a later id is not a group
  CHECK_FALSE(splitter.side_of(4).has_value());
  CHECK(splitter.side_of(10) == assign_side(h, 1, 0.5));
}
