// Raw HttpServer throughput: N keep-alive connections sending small GETs as fast as possible
// against a trivial handler, client on its own Asio thread. Usage: http_server_bench
// [--threads 2] [--clients 64] [--seconds 5] [--access-log].
// clang-format off
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp needs std::exchange
// clang-format on
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "net/http_server.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

namespace {

struct Counters {
  std::atomic<bool> measuring{false};
  std::atomic<bool> done{false};
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> errors{0};
};

asio::awaitable<void> Client(uint16_t port, Counters& c) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  try {
    co_await stream.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
    beast::flat_buffer buf;
    http::request<http::empty_body> req(http::verb::get, "/ping", 11);
    req.set(http::field::host, "127.0.0.1");
    http::response<http::string_body> res;
    while (!c.done) {
      co_await http::async_write(stream, req, asio::use_awaitable);
      res = {};
      co_await http::async_read(stream, buf, res, asio::use_awaitable);
      if (!c.measuring) continue;
      (res.result_int() == 200 ? c.ok : c.errors)++;
    }
  } catch (const std::exception&) {
    c.errors++;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, clients = 64, seconds = 5;
  bool access_log = false;
  CLI::App app("HttpServer keep-alive throughput");
  app.add_option("--threads", threads);
  app.add_option("--clients", clients);
  app.add_option("--seconds", seconds);
  app.add_flag("--access-log", access_log);
  CLI11_PARSE(app, argc, argv);

  cocoon::net::HttpServerOptions options;
  options.threads = threads;
  options.access_log = access_log;
  cocoon::net::HttpServer server(options, [](const cocoon::net::HttpRequest&) {
    return cocoon::net::HttpResponse::Json(200, R"({"ok":true})");
  });
  if (auto s = server.Start(); !s) {
    std::fprintf(stderr, "%s\n", s.error().ToString().c_str());
    return 1;
  }
  Counters c;
  asio::io_context ioc(1);
  for (int i = 0; i < clients; ++i) asio::co_spawn(ioc, Client(server.port(), c), asio::detached);
  std::thread client_thread([&] { ioc.run(); });
  std::this_thread::sleep_for(std::chrono::seconds(1));  // warm-up
  c.measuring = true;
  auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  c.measuring = false;
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  c.done = true;
  client_thread.join();
  server.Stop();
  std::printf("threads=%d clients=%d: %.0f req/s (%llu ok, %llu errors in %.1fs)\n", threads,
              clients, c.ok / elapsed, static_cast<unsigned long long>(c.ok.load()),
              static_cast<unsigned long long>(c.errors.load()), elapsed);
  return c.errors == 0 ? 0 : 1;
}
