// memory: allocation of the large tables that grow with the data (exact dedup, conflicts, the
// near-leakage frequencies), backed by transparent huge pages.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace tuneprep {

// Blocks of at least this size are mapped on their own and asked for huge pages.
inline constexpr size_t kLargeAllocationBytes = size_t{1} << 20;

// `bytes` of zeroed memory. From kLargeAllocationBytes on, an anonymous mapping aligned to 2 MiB
// with madvise(MADV_HUGEPAGE): a table of 64 MB then takes 32 page faults instead of 16,384, and
// on a virtual machine a fault costs microseconds. Below that, calloc. Throws std::bad_alloc.
void* allocate_zeroed(size_t bytes);
// Frees what allocate_zeroed(bytes) returned, with the same `bytes`.
void release_zeroed(void* block, size_t bytes) noexcept;

// A std::allocator for the vectors that grow with the data: large blocks in huge pages. (A vector
// still writes every element it constructs; for slots left untouched until used, ZeroedArray.)
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(allocate_zeroed(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept { release_zeroed(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

// A fixed-size array of `T` whose all-zero bit pattern is its empty value (hash-table slots):
// nothing is written at creation, so pages are touched only as slots are.
template <typename T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  ZeroedArray() = default;
  explicit ZeroedArray(size_t size) : data_(static_cast<T*>(allocate_zeroed(size * sizeof(T)))), size_(size) {}
  ~ZeroedArray() { release_zeroed(data_, size_ * sizeof(T)); }
  ZeroedArray(ZeroedArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  ZeroedArray& operator=(ZeroedArray&& other) noexcept {
    if (this != &other) {
      release_zeroed(data_, size_ * sizeof(T));
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  ZeroedArray(const ZeroedArray& other) : ZeroedArray(other.size_) {
    if (size_ > 0) std::memcpy(data_, other.data_, size_ * sizeof(T));
  }
  ZeroedArray& operator=(const ZeroedArray& other) {
    if (this != &other) *this = ZeroedArray(other);
    return *this;
  }

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  size_t size() const { return size_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tuneprep
