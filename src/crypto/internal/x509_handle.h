// Private to src/crypto: the X509* owner behind Certificate.
#pragma once

#include <openssl/x509.h>

namespace cocoon::crypto::internal {

struct X509Handle {
  explicit X509Handle(X509* c) : x509(c) {}
  ~X509Handle() { X509_free(x509); }
  X509Handle(const X509Handle&) = delete;
  X509Handle& operator=(const X509Handle&) = delete;

  X509* x509;
};

}  // namespace cocoon::crypto::internal
