// Prometheus text exposition (format 0.0.4) for cocoon-kbs. Label values come from routing and
// verifier names (bounded sets) but are escaped anyway so the output always parses.
#include "kbs/metrics.h"

#include <charconv>
#include <cmath>
#include <utility>

namespace cocoon::kbs {
namespace {

// Upper bounds of the finite buckets (Trustee kbs/docs/metrics.md); the last bucket is +Inf.
constexpr std::array<double, 7> kBounds = {0.0005, 0.001, 0.005, 0.01, 0.05, 0.5, 1};
constexpr std::array<std::string_view, 8> kBoundLabels = {"0.0005", "0.001", "0.005", "0.01",
                                                          "0.05",   "0.5",   "1",     "+Inf"};

size_t BucketIndex(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  return i;
}

// Label value escaping per the exposition format: backslash, double quote and newline.
std::string Escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Shortest round-trip representation ("0.0123", "1e-05"), which Prometheus parses.
std::string FormatDouble(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

void Metrics::ObserveRequest(std::string_view route, int status, double seconds) {
  if (!(seconds >= 0) || std::isinf(seconds)) seconds = 0;  // NaN, negative or inf: a bad clock
  const size_t bucket = BucketIndex(seconds);
  std::string key(route);  // built outside the lock; short routes fit the SSO buffer
  std::lock_guard lock(mu_);
  ++requests_[{key, status}];
  Histogram& h = latency_[std::move(key)];
  ++h.buckets[bucket];
  ++h.count;
  h.sum += seconds;
}

void Metrics::ObserveAttestation(std::string_view tee, std::string_view outcome) {
  std::pair<std::string, std::string> key{std::string(tee), std::string(outcome)};
  std::lock_guard lock(mu_);
  ++attestations_[std::move(key)];
}

std::string Metrics::Render() const {
  decltype(requests_) requests;
  decltype(latency_) latency;
  decltype(attestations_) attestations;
  {
    std::lock_guard lock(mu_);
    requests = requests_;
    latency = latency_;
    attestations = attestations_;
  }
  std::string out;
  Header(out, "kbs_http_requests_total", "counter", "HTTP requests by route and status.");
  for (const auto& [key, n] : requests) {
    out += "kbs_http_requests_total{route=\"" + Escape(key.first) + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  Header(out, "kbs_http_request_duration_seconds", "histogram",
         "HTTP request latency in seconds by route.");
  for (const auto& [route, h] : latency) {
    const std::string label = "route=\"" + Escape(route) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < h.buckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += "kbs_http_request_duration_seconds_bucket{" + label + ",le=\"" +
             std::string(kBoundLabels[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "kbs_http_request_duration_seconds_sum{" + label + "} " + FormatDouble(h.sum) + "\n";
    out +=
        "kbs_http_request_duration_seconds_count{" + label + "} " + std::to_string(h.count) + "\n";
  }
  Header(out, "kbs_attestations_total", "counter", "Attestations by TEE and outcome.");
  for (const auto& [key, n] : attestations) {
    out += "kbs_attestations_total{tee=\"" + Escape(key.first) + "\",outcome=\"" +
           Escape(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  return out;
}

}  // namespace cocoon::kbs
