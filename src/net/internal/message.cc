// Beast <-> cocoon HTTP message conversion and error responses.
#include "net/internal/message.h"

#include <exception>

#include "base/json.h"
#include "base/logging.h"

namespace cocoon::net::internal {

namespace http = boost::beast::http;

bool FillRequest(BeastRequest&& msg, const std::string& remote, HttpRequest* out) {
  std::string_view target = Sv(msg.target());
  size_t q = target.find('?');
  auto path = NormalizePath(target.substr(0, q));
  if (!path) return false;
  out->method.assign(Sv(msg.method_string()));
  out->target.assign(target);
  out->path = std::move(*path);
  out->query.assign(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
  out->headers = Headers();
  for (const auto& field : msg) {
    out->headers.Add(Sv(field.name_string()), std::string(Sv(field.value())));
  }
  out->body = std::move(msg.body());
  out->remote = remote;
  return true;
}

void FillResponse(HttpResponse&& in, bool keep_alive, bool head, BeastResponse* out) {
  *out = BeastResponse();
  int status = in.status >= 100 && in.status <= 599 ? in.status : 500;
  out->result(static_cast<unsigned>(status));
  out->version(11);
  for (const auto& [name, value] : in.headers.all()) {
    if (value.find_first_of("\r\n") != std::string::npos ||
        name.find_first_of("\r\n: ") != std::string::npos) {
      LOG_WARN("http: dropping response header {} with a forbidden character", name);
      continue;
    }
    out->insert(name, value);
  }
  out->body() = std::move(in.body);
  out->keep_alive(keep_alive);
  out->prepare_payload();
  if (head) out->body().clear();
}

HttpResponse CallHandler(const HttpHandler& handler, const HttpRequest& request) noexcept {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    LOG_ERROR("http: handler for {} {} threw: {}", request.method, request.path, e.what());
  } catch (...) {
    LOG_ERROR("http: handler for {} {} threw a non-standard exception", request.method,
              request.path);
  }
  return ErrorResponse(500, "internal error");
}

HttpResponse ErrorResponse(int status, std::string_view message) {
  Json body = {{"error", std::string(message)}};
  return HttpResponse::Json(status, base::DumpJson(body));
}

std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  std::string ip = endpoint.address().to_string();
  std::string port = std::to_string(endpoint.port());
  if (endpoint.address().is_v6()) return "[" + ip + "]:" + port;
  return ip + ":" + port;
}

}  // namespace cocoon::net::internal
