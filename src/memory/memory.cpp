// memory: zeroed large blocks from their own mappings, with transparent huge pages asked for.
#include "tuneprep/memory.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace tuneprep {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t mapped_bytes(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

}  // namespace

void* allocate_zeroed(size_t bytes) {
  if (bytes < kLargeAllocationBytes) {
    void* block = std::calloc(bytes == 0 ? 1 : bytes, 1);
    if (block == nullptr) throw std::bad_alloc();
    return block;
  }
  // Over-map by one huge page and trim both ends so that the block starts on a 2 MiB boundary:
  // the kernel can only back aligned 2 MiB ranges with a huge page.
  const size_t size = mapped_bytes(bytes);
  void* raw = mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) & ~static_cast<uintptr_t>(kHugePage - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const size_t tail = start + size + kHugePage - (aligned + size);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + size), tail);
  void* block = reinterpret_cast<void*>(aligned);
#if defined(MADV_HUGEPAGE)
  madvise(block, size, MADV_HUGEPAGE);  // a hint: without THP the block still works, in 4 KiB pages
#endif
  return block;
}

void release_zeroed(void* block, size_t bytes) noexcept {
  if (block == nullptr) return;
  if (bytes < kLargeAllocationBytes) {
    std::free(block);
    return;
  }
  munmap(block, mapped_bytes(bytes));
}

}  // namespace tuneprep
