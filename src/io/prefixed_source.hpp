// PrefixedSource: replays bytes already taken from a stream (to sniff magic bytes or the format)
// before reading on from it.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "tuneprep/io.hpp"

namespace tuneprep::io_detail {

class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::unique_ptr<ByteSource> inner, std::string prefix)
      : inner_(std::move(inner)), prefix_(std::move(prefix)) {}

  size_t read(char* buffer, size_t capacity, std::optional<IoError>& error) override {
    if (position_ < prefix_.size()) {
      const size_t n = std::min(capacity, prefix_.size() - position_);
      std::memcpy(buffer, prefix_.data() + position_, n);
      position_ += n;
      if (position_ == prefix_.size()) {  // release the prefix; later reads go straight through
        std::string().swap(prefix_);
        position_ = 0;
      }
      return n;
    }
    return inner_->read(buffer, capacity, error);
  }
  uint64_t raw_bytes_consumed() const override { return inner_->raw_bytes_consumed(); }
  std::string raw_sha256() const override { return inner_->raw_sha256(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string prefix_;
  size_t position_ = 0;
};

}  // namespace tuneprep::io_detail
