// Certificate path validation with OpenSSL's X509_STORE: only the caller's anchors are trusted,
// partial chains (an intermediate as anchor) are not accepted.
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "base/limits.h"
#include "crypto/internal/openssl_util.h"
#include "crypto/internal/x509_handle.h"
#include "crypto/x509.h"

namespace cocoon::crypto {

using internal::OpensslError;

namespace {

struct StackDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // certs are not owned
};
using CertStackPtr = std::unique_ptr<STACK_OF(X509), StackDeleter>;

Result<internal::X509StorePtr> MakeStore(const std::vector<Certificate>& anchors) {
  internal::X509StorePtr store(X509_STORE_new());
  if (!store) return OpensslError(Code::kInternal, "X509_STORE_new");
  for (const Certificate& a : anchors) {
    if (X509_STORE_add_cert(store.get(), a.handle().x509) != 1) {
      return OpensslError(Code::kInternal, "X509_STORE_add_cert");
    }
  }
  return store;
}

Result<CertStackPtr> MakeStack(const std::vector<Certificate>& certs) {
  CertStackPtr stack(sk_X509_new_null());
  if (!stack) return OpensslError(Code::kInternal, "sk_X509_new_null");
  for (const Certificate& c : certs) {
    if (sk_X509_push(stack.get(), c.handle().x509) <= 0) {
      return OpensslError(Code::kInternal, "sk_X509_push");
    }
  }
  return stack;
}

void ApplyOptions(X509_STORE_CTX* ctx, const ChainOptions& opts) {
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_depth(param, static_cast<int>(opts.max_depth));
  X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (!opts.check_time) {
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
  } else if (opts.at) {
    X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(*opts.at));
  }
}

}  // namespace

Status VerifyChain(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                   const std::vector<Certificate>& anchors, const ChainOptions& opts) {
  if (anchors.empty()) return InvalidArgument("no trust anchors given");
  if (untrusted.size() > limits::kX509ChainMaxLength) {
    return ResourceExhausted(
        "too many untrusted certificates: " + std::to_string(untrusted.size()) + " > " +
        std::to_string(limits::kX509ChainMaxLength));
  }
  ASSIGN_OR_RETURN(internal::X509StorePtr store, MakeStore(anchors));
  ASSIGN_OR_RETURN(CertStackPtr stack, MakeStack(untrusted));
  internal::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.handle().x509, stack.get()) != 1) {
    return OpensslError(Code::kInternal, "X509_STORE_CTX_init");
  }
  ApplyOptions(ctx.get(), opts);
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    internal::DrainOpensslErrors();
    return Unauthenticated("certificate chain verification failed at depth " +
                           std::to_string(depth) + ": " + X509_verify_cert_error_string(err));
  }
  ERR_clear_error();
  return Ok();
}

}  // namespace cocoon::crypto
