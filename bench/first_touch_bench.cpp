// first_touch_bench: what the first write to fresh memory costs, in 4 KiB pages and in the huge
// pages of src/memory/ (allocate_zeroed). The tables that grow with the data touch all their
// memory once; on a virtual machine each 4 KiB page fault costs microseconds.
// Usage: first_touch_bench [MiB=64] [rounds=5]. Prints the fastest round of each, and the page
// faults of one round (getrusage).
#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "tuneprep/memory.hpp"

namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Writes one byte per 4 KiB page of `bytes` fresh bytes from `allocate`; returns milliseconds.
template <typename Allocate, typename Release>
double touch_ms(size_t bytes, long& faults, Allocate&& allocate, Release&& release) {
  const long before = minor_faults();
  const auto start = std::chrono::steady_clock::now();
  char* block = static_cast<char*>(allocate(bytes));
  for (size_t i = 0; i < bytes; i += 4096) block[i] = 1;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  faults = minor_faults() - before;
  release(block, bytes);
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 64;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const size_t bytes = mib << 20;
  auto small_pages = [](size_t n) {  // a plain anonymous mapping, no huge pages asked for
    void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
#if defined(MADV_NOHUGEPAGE)
    madvise(p, n, MADV_NOHUGEPAGE);
#endif
    return p;
  };
  auto small_release = [](void* p, size_t n) { munmap(p, n); };
  auto huge_pages = [](size_t n) { return tuneprep::allocate_zeroed(n); };
  auto huge_release = [](void* p, size_t n) { tuneprep::release_zeroed(p, n); };
  double best_small = 1e300;
  double best_huge = 1e300;
  long faults_small = 0;
  long faults_huge = 0;
  for (int r = 0; r < rounds; ++r) {
    best_small = std::min(best_small, touch_ms(bytes, faults_small, small_pages, small_release));
    best_huge = std::min(best_huge, touch_ms(bytes, faults_huge, huge_pages, huge_release));
  }
  std::printf("first touch of %zu MiB, fastest of %d rounds\n", mib, rounds);
  std::printf("4 KiB pages (mmap, MADV_NOHUGEPAGE)   %8.1f ms  %7ld page faults\n", best_small, faults_small);
  std::printf("huge pages (allocate_zeroed)          %8.1f ms  %7ld page faults\n", best_huge, faults_huge);
  return 0;
}
