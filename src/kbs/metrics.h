// Prometheus metrics for cocoon-kbs (text exposition format 0.0.4): request counts and
// latency histograms by route and status, attestations by TEE and outcome.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace cocoon::kbs {

class Metrics {
 public:
  // route: a bounded label ("auth", "attest", "resource", "admin", "other").
  void ObserveRequest(std::string_view route, int status, double seconds);
  // outcome: "success" | "failure".
  void ObserveAttestation(std::string_view tee, std::string_view outcome);
  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, 8> buckets{};  // le 0.0005 0.001 0.005 0.01 0.05 0.5 1 +Inf
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::pair<std::string, std::string>, uint64_t> attestations_;
};

}  // namespace cocoon::kbs
