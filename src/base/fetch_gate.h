// Bounds the upstream fetches that unauthenticated clients can trigger (a VCEK from AMD KDS,
// TDX collateral from a PCCS): one fetch in flight per key (concurrent callers wait for it and
// share its result), failures remembered for a while (negative cache), and a cap on distinct
// fetches in flight (callers past it fail at once). Trusts nothing: it only schedules `fetch`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/error.h"

namespace cocoon::base {

struct FetchGateOptions {
  std::string what = "fetch";  // names the fetches in errors: "VCEK fetch"
  size_t max_in_flight = 8;    // distinct keys fetched at once; more fail with ResourceExhausted
  std::chrono::milliseconds negative_ttl{std::chrono::seconds(60)};  // how long a failure is kept
  size_t max_negative = 4096;  // remembered failures; the oldest go first
  // The clock the negative cache reads (tests replace it).
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
};

template <typename T>
class FetchGate {
 public:
  explicit FetchGate(FetchGateOptions options) : options_(std::move(options)) {}

  // The result of `fetch()` for `key`: a failure remembered for `key` is returned without
  // fetching (its message says so); a fetch in flight for `key` is waited for and shared;
  // otherwise `fetch` runs here, unless max_in_flight fetches already run: then
  // ResourceExhausted naming the limit. Failures of `fetch` are remembered for negative_ttl.
  Result<T> Run(const std::string& key, const std::function<Result<T>()>& fetch) {
    std::shared_ptr<Flight> flight;
    {
      std::unique_lock lock(mu_);
      if (auto remembered = Remembered(key)) return std::unexpected(*remembered);
      auto it = in_flight_.find(key);
      if (it != in_flight_.end()) {
        flight = it->second;
        ++waiting_;
        cv_.wait(lock, [&] { return flight->result.has_value(); });
        --waiting_;
        return *flight->result;
      }
      if (in_flight_.size() >= options_.max_in_flight) {
        ++refused_;
        return ResourceExhausted(options_.what + ": " + std::to_string(options_.max_in_flight) +
                                 " fetches already in flight (limit max_in_flight); retry later");
      }
      flight = std::make_shared<Flight>();
      in_flight_.emplace(key, flight);
      ++fetches_;
    }
    Result<T> result = fetch();
    std::lock_guard lock(mu_);
    if (!result) Remember(key, result.error());
    flight->result = result;
    in_flight_.erase(key);
    cv_.notify_all();
    return result;
  }

  size_t fetches() const {
    std::lock_guard lock(mu_);
    return fetches_;
  }
  size_t refused() const {
    std::lock_guard lock(mu_);
    return refused_;
  }
  size_t waiting() const {  // callers waiting for another caller's fetch
    std::lock_guard lock(mu_);
    return waiting_;
  }

 private:
  struct Flight {
    std::optional<Result<T>> result;
  };
  struct Failure {
    Error error;
    std::chrono::steady_clock::time_point until;
  };

  // mu_ held.
  std::optional<Error> Remembered(const std::string& key) {
    auto it = negative_.find(key);
    if (it == negative_.end()) return std::nullopt;
    if (options_.now() >= it->second.until) {
      negative_.erase(it);
      return std::nullopt;
    }
    return it->second.error.WithContext(options_.what + " failed recently, not retried yet");
  }

  // mu_ held. Past max_negative the entries closest to expiry go first.
  void Remember(const std::string& key, const Error& error) {
    if (negative_.size() >= options_.max_negative && !negative_.contains(key)) {
      auto oldest = negative_.begin();
      for (auto it = negative_.begin(); it != negative_.end(); ++it) {
        if (it->second.until < oldest->second.until) oldest = it;
      }
      negative_.erase(oldest);
    }
    negative_.insert_or_assign(key, Failure{error, options_.now() + options_.negative_ttl});
  }

  const FetchGateOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<Flight>> in_flight_;
  std::map<std::string, Failure> negative_;
  size_t fetches_ = 0;
  size_t refused_ = 0;
  size_t waiting_ = 0;
};

}  // namespace cocoon::base
