// RCAR load generator on Boost.Beast with C++20 coroutines. The client side is kept cheap so the
// server is what is measured: each connection reuses one pre-generated P-256 TEE key, builds the
// sample evidence (JCS + SHA-384, by string concatenation) and checks the resource reply's status,
// without decrypting.
#include "bench/load_generator.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
// clang-format off
#include <utility>
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
// clang-format on

#include "base/encoding.h"
#include "base/jcs.h"
#include "base/json.h"
#include "crypto/digest.h"
#include "crypto/keys.h"
#include "jose/jwk.h"

namespace cocoon::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

double LoadResult::Percentile(double p) const {
  if (latencies_ms.empty()) return 0;
  std::vector<double> v = latencies_ms;
  std::sort(v.begin(), v.end());
  size_t idx = static_cast<size_t>(p / 100.0 * (v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

namespace {

struct Shared {
  LoadOptions opts;
  Clock::time_point measure_from, stop_at;
  LoadResult result;
};

// The "nonce" member of the challenge {"nonce":"…","extra-params":…}.
std::string NonceOf(const std::string& body) {
  constexpr std::string_view kKey = R"("nonce":")";
  size_t at = body.find(kKey);
  if (at == std::string::npos) return "";
  at += kKey.size();
  return body.substr(at, body.find('"', at) - at);
}

std::string CookieFrom(const http::response<http::string_body>& r) {
  auto it = r.find(http::field::set_cookie);
  if (it == r.end()) return "";
  std::string v(it->value());
  return v.substr(0, v.find(';'));
}

asio::awaitable<bool> Exchange(beast::tcp_stream& s, beast::flat_buffer& buf,
                               http::request<http::string_body>& req,
                               http::response<http::string_body>& resp) {
  req.prepare_payload();
  co_await http::async_write(s, req, asio::use_awaitable);
  resp = {};
  co_await http::async_read(s, buf, resp, asio::use_awaitable);
  co_return resp.result_int() == 200;
}

asio::awaitable<void> Client(Shared& sh, int index) {
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  asio::ip::tcp::endpoint ep(asio::ip::make_address(sh.opts.host), sh.opts.port);
  co_await stream.async_connect(ep, asio::use_awaitable);
  beast::flat_buffer buf;
  auto key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  Json jwk = Json::parse(jose::PublicKeyToJwk(key.public_key(), "ECDH-ES+A256KW").dump());
  const std::string jwk_jcs = *base::Canonicalize(jwk);
  const std::string auth_body =
      R"({"version":"0.4.0","tee":"sample","extra-params":{"supported-hash-algorithms":["sha384"]}})";
  double interval = sh.opts.target_rate > 0 ? sh.opts.clients / sh.opts.target_rate : 0;
  // Stagger paced clients so they do not start in lockstep.
  auto next = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(interval * index / sh.opts.clients));
  asio::steady_timer timer(ex);
  http::response<http::string_body> resp;
  while (Clock::now() < sh.stop_at) {
    if (interval > 0) {
      timer.expires_at(next);
      co_await timer.async_wait(asio::use_awaitable);
      next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
    }
    auto start = Clock::now();
    http::request<http::string_body> auth{http::verb::post, "/kbs/v0/auth", 11};
    auth.set(http::field::host, sh.opts.host);
    auth.set(http::field::content_type, "application/json");
    auth.body() = auth_body;
    bool ok = co_await Exchange(stream, buf, auth, resp);
    std::string cookie = CookieFrom(resp);
    std::string nonce = ok ? NonceOf(resp.body()) : "";
    // JCS of {"additional-evidence":"","nonce":…,"tee-pubkey":…} by concatenation (keys are
    // already in canonical order; the nonce is base64, which needs no escaping).
    std::string jcs =
        R"({"additional-evidence":"","nonce":")" + nonce + R"(","tee-pubkey":)" + jwk_jcs + "}";
    Bytes report = crypto::Sha384(AsBytes(jcs));
    std::string body = R"({"runtime-data":{"nonce":")" + nonce + R"(","tee-pubkey":)" + jwk_jcs +
                       R"(},"tee-evidence":{"primary_evidence":{"svn":"1","report_data":")" +
                       base::Base64Encode(report) + R"("},"additional_evidence":""}})";
    http::request<http::string_body> attest{http::verb::post, "/kbs/v0/attest", 11};
    attest.set(http::field::host, sh.opts.host);
    attest.set(http::field::content_type, "application/json");
    attest.set(http::field::cookie, cookie);
    attest.body() = std::move(body);
    ok = ok && co_await Exchange(stream, buf, attest, resp);
    http::request<http::string_body> get{http::verb::get, sh.opts.resource_path, 11};
    get.set(http::field::host, sh.opts.host);
    get.set(http::field::cookie, cookie);
    ok = ok && co_await Exchange(stream, buf, get, resp);
    auto end = Clock::now();
    if (end >= sh.measure_from && end < sh.stop_at) {
      if (ok) {
        ++sh.result.handshakes;
        sh.result.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(end - start).count());
      } else {
        ++sh.result.errors;
      }
    }
  }
}

}  // namespace

LoadResult RunLoad(const LoadOptions& opts) {
  asio::io_context io;
  Shared sh;
  sh.opts = opts;
  sh.measure_from = Clock::now() + opts.warmup;
  sh.stop_at = sh.measure_from + opts.duration;
  for (int i = 0; i < opts.clients; ++i) {
    asio::co_spawn(io, Client(sh, i), [&sh](std::exception_ptr e) {
      if (e) ++sh.result.errors;
    });
  }
  io.run();
  sh.result.seconds = std::chrono::duration<double>(opts.duration).count();
  return sh.result;
}

}  // namespace cocoon::bench
