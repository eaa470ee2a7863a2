// Closed- or paced-loop RCAR load generator: N concurrent keep-alive HTTP/1.1 connections, each
// running full handshakes (auth + attest + resource) against a KBS, on one Asio thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cocoon::bench {

struct LoadOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int clients = 64;
  std::chrono::milliseconds warmup{2000};
  std::chrono::milliseconds duration{10000};
  double target_rate = 0;  // handshakes/s over all clients; 0 = as fast as possible
  std::string resource_path = "/kbs/v0/resource/default/key/1";
};

struct LoadResult {
  uint64_t handshakes = 0;  // completed in the measured window
  uint64_t errors = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;  // per handshake, measured window only
  double rate() const { return seconds > 0 ? handshakes / seconds : 0; }
  double Percentile(double p) const;
};

LoadResult RunLoad(const LoadOptions& options);

}  // namespace cocoon::bench
