// Error model shared by every cocoon module: canonical codes (Abseil-style) and Result<T>.
// Nothing here throws; fallible functions return Result<T> = std::expected<T, Error>.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace cocoon {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // 400: malformed input
  kUnauthenticated,     // 401: missing/invalid credentials or evidence
  kPermissionDenied,    // 403: authenticated but not allowed
  kNotFound,            // 404
  kFailedPrecondition,  // 409: state does not allow the operation
  kResourceExhausted,   // 413/429: a limit was exceeded
  kDeadlineExceeded,    // 504: timed out
  kUnavailable,         // 503: transient, retry may succeed
  kDataLoss,            // unrecoverable corruption
  kUnimplemented,       // 501
  kInternal,            // 500: a bug or an unexpected library failure
};

std::string_view CodeName(Code code);

class Error {
 public:
  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NotFound: resource default/key/1 not found"
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Error WithContext(std::string_view context) const;

 private:
  Code code_;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

inline std::unexpected<Error> MakeError(Code code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}
inline std::unexpected<Error> InvalidArgument(std::string m) {
  return MakeError(Code::kInvalidArgument, std::move(m));
}
inline std::unexpected<Error> Unauthenticated(std::string m) {
  return MakeError(Code::kUnauthenticated, std::move(m));
}
inline std::unexpected<Error> PermissionDenied(std::string m) {
  return MakeError(Code::kPermissionDenied, std::move(m));
}
inline std::unexpected<Error> NotFound(std::string m) {
  return MakeError(Code::kNotFound, std::move(m));
}
inline std::unexpected<Error> FailedPrecondition(std::string m) {
  return MakeError(Code::kFailedPrecondition, std::move(m));
}
inline std::unexpected<Error> ResourceExhausted(std::string m) {
  return MakeError(Code::kResourceExhausted, std::move(m));
}
inline std::unexpected<Error> DeadlineExceeded(std::string m) {
  return MakeError(Code::kDeadlineExceeded, std::move(m));
}
inline std::unexpected<Error> Unavailable(std::string m) {
  return MakeError(Code::kUnavailable, std::move(m));
}
inline std::unexpected<Error> DataLoss(std::string m) {
  return MakeError(Code::kDataLoss, std::move(m));
}
inline std::unexpected<Error> Unimplemented(std::string m) {
  return MakeError(Code::kUnimplemented, std::move(m));
}
inline std::unexpected<Error> Internal(std::string m) {
  return MakeError(Code::kInternal, std::move(m));
}

inline Status Ok() { return {}; }

}  // namespace cocoon

#define COCOON_CONCAT_INNER(a, b) a##b
#define COCOON_CONCAT(a, b) COCOON_CONCAT_INNER(a, b)

// TRY(expr): evaluates a Result-returning expression; on error returns the error.
#define TRY(expr)                                                                \
  do {                                                                           \
    auto&& cocoon_try_result_ = (expr);                                          \
    if (!cocoon_try_result_) return std::unexpected(cocoon_try_result_.error()); \
  } while (0)

// ASSIGN_OR_RETURN(lhs, expr): `lhs = std::move(*expr)` or return the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  COCOON_ASSIGN_OR_RETURN_IMPL(COCOON_CONCAT(cocoon_aor_, __LINE__), lhs, expr)
#define COCOON_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)        \
  auto tmp = (expr);                                        \
  if (!tmp) return std::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
