// Conversions between Beast messages and cocoon's HttpRequest/HttpResponse, and the server's
// canned error responses. Requests come from the network and are untrusted.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "net/http_server.h"

namespace cocoon::net::internal {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Beast 1.74 uses boost::string_view. (Switching it with BOOST_BEAST_USE_STD_STRING_VIEW would
// break the ODR against other targets that include Beast.)
inline std::string_view Sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

// Moves `msg` into `out`, reusing its buffers. False if the path has a malformed %-escape.
bool FillRequest(BeastRequest&& msg, const std::string& remote, HttpRequest* out);

// Builds the wire response. Header values containing CR or LF are dropped (no header
// injection); a status outside 100..599 becomes 500. For HEAD the body is omitted but the
// Content-Length still describes it.
void FillResponse(HttpResponse&& in, bool keep_alive, bool head, BeastResponse* out);

// Runs the handler; any exception becomes a 500 and is logged, never propagated.
HttpResponse CallHandler(const HttpHandler& handler, const HttpRequest& request) noexcept;

// {"error": message} with the given status.
HttpResponse ErrorResponse(int status, std::string_view message);

// "1.2.3.4:5" or "[::1]:5".
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace cocoon::net::internal
