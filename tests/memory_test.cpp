// memory: zeroed blocks, huge-page backed from 1 MiB on.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "tuneprep/memory.hpp"

using tuneprep::HugePageAllocator;
using tuneprep::ZeroedArray;

TEST_CASE("ZeroedArray starts zeroed, small or large, and copies and moves its contents") {
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{3} << 20}) {
    ZeroedArray<uint64_t> array(size);
    REQUIRE(array.size() == size);
    CHECK(std::all_of(array.begin(), array.end(), [](uint64_t v) { return v == 0; }));
    for (size_t i = 0; i < size; i += 4099) array[i] = i + 1;
    ZeroedArray<uint64_t> copy(array);
    CHECK(std::equal(array.begin(), array.end(), copy.begin(), copy.end()));
    ZeroedArray<uint64_t> moved(std::move(copy));
    CHECK(moved.size() == size);
    CHECK(copy.size() == 0);
    if (size > 0) CHECK(moved[0] == 1);
  }
}

TEST_CASE("large blocks start on a 2 MiB boundary, so the kernel can back them with huge pages") {
  void* block = tuneprep::allocate_zeroed(size_t{5} << 20);
  CHECK(reinterpret_cast<uintptr_t>(block) % (size_t{2} << 20) == 0);
  static_cast<char*>(block)[(size_t{5} << 20) - 1] = 1;  // the whole size is mapped
  tuneprep::release_zeroed(block, size_t{5} << 20);
}

TEST_CASE("a vector on HugePageAllocator keeps its elements as it grows past 1 MiB") {
  std::vector<uint32_t, HugePageAllocator<uint32_t>> values;
  for (uint32_t i = 0; i < 1'000'000; ++i) values.push_back(i);  // 4 MB: several reallocations
  std::vector<uint32_t> expected(1'000'000);
  std::iota(expected.begin(), expected.end(), 0u);
  CHECK(std::equal(values.begin(), values.end(), expected.begin(), expected.end()));
  values.clear();
  values.shrink_to_fit();
  CHECK(values.capacity() == 0);
}
