// Stream-independent session logic: parser limits, error mapping, handler call, access log.
#include "net/internal/session.h"

#include <algorithm>
#include <cstdint>

#include "base/logging.h"

namespace cocoon::net::internal {

SessionCore::~SessionCore() {
  if (busy_) state_->EndRequest();
}

void SessionCore::NewParser() {
  parser_.emplace();
  parser_->body_limit(options().body_limit);
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(options().header_limit, UINT32_MAX)));
}

void SessionCore::SetBusy(bool busy) {
  if (busy == busy_) return;
  busy_ = busy;
  if (busy) {
    state_->BeginRequest();
  } else {
    state_->EndRequest();
  }
}

int SessionCore::StatusForReadError(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) return 400;
  return 0;  // transport error or timeout: nobody to answer
}

bool SessionCore::ExpectsContinue() const {
  return beast::iequals(parser_->get()[bhttp::field::expect], "100-continue");
}

bool SessionCore::HasUnsupportedTransferEncoding() const {
  return parser_->get().count(bhttp::field::transfer_encoding) > 0 && !parser_->chunked();
}

void SessionCore::Handle() {
  bool head = parser_->get().method() == bhttp::verb::head;
  bool keep_alive = parser_->get().keep_alive() && !state_->stopping;
  if (!FillRequest(parser_->release(), remote_, &req_)) {
    FillResponse(
        ErrorResponse(
            400, "malformed request path (bad percent-encoding, NUL, or \"..\" above the root)"),
        false, head, &res_);
    return;
  }
  FillResponse(CallHandler(state_->handler, req_), keep_alive, head, &res_);
}

void SessionCore::PrepareError(int status) {
  std::string message = "bad request";
  if (status == 413) {
    message = "request body exceeds " + std::to_string(options().body_limit) + " bytes";
  } else if (status == 431) {
    message = "request header exceeds " + std::to_string(options().header_limit) + " bytes";
  }
  bool have_header = parser_ && parser_->is_header_done();
  req_.method = have_header ? std::string(Sv(parser_->get().method_string())) : "-";
  req_.target = have_header ? std::string(Sv(parser_->get().target())) : "-";
  FillResponse(ErrorResponse(status, message), false, false, &res_);
}

void SessionCore::LogAccess(size_t bytes) const {
  if (!options().access_log || !spdlog::should_log(spdlog::level::info)) return;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start_);
  LOG_INFO("{} \"{} {}\" {} {} {:.3f}ms", remote_, req_.method, req_.target, res_.result_int(),
           bytes, us.count() / 1000.0);
}

}  // namespace cocoon::net::internal
