// Sha256: incremental SHA-256 over OpenSSL's EVP interface, shared by input sources and output files.
#pragma once

#include <cstddef>
#include <string>

#include <openssl/evp.h>

namespace tuneprep::io_detail {

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size) {
    if (size > 0) EVP_DigestUpdate(ctx_, data, size);
  }

  // Digest of everything so far; finalizes a copy so hashing can go on (and so it is const).
  std::string hex() const {
    static constexpr char kHex[] = "0123456789abcdef";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    EVP_MD_CTX_copy_ex(copy, ctx_);
    EVP_DigestFinal_ex(copy, digest, &length);
    EVP_MD_CTX_free(copy);
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
      out.push_back(kHex[digest[i] >> 4]);
      out.push_back(kHex[digest[i] & 0xF]);
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace tuneprep::io_detail
