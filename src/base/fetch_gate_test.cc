// FetchGate: one fetch per key in flight, failures remembered until their TTL passes (on an
// injected clock), and excess distinct fetches refused at once.
#include "base/fetch_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace cocoon::base {
namespace {

using Clock = std::chrono::steady_clock;

TEST(FetchGate, RemembersFailuresUntilTheirTtlPasses) {
  Clock::time_point now{};
  FetchGate<int> gate({.what = "VCEK fetch",
                       .max_in_flight = 2,
                       .negative_ttl = std::chrono::seconds(60),
                       .max_negative = 2,
                       .now = [&] { return now; }});
  int calls = 0;
  auto failing = [&]() -> Result<int> {
    ++calls;
    return NotFound("no such VCEK");
  };
  EXPECT_EQ(gate.Run("a", failing).error().code(), Code::kNotFound);
  auto again = gate.Run("a", failing);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Code::kNotFound);
  EXPECT_EQ(again.error().message(), "VCEK fetch failed recently, not retried yet: no such VCEK");
  EXPECT_EQ(calls, 1);
  now += std::chrono::seconds(59);
  EXPECT_FALSE(gate.Run("a", failing));
  EXPECT_EQ(calls, 1);
  now += std::chrono::seconds(1);  // the TTL has passed: fetched again
  EXPECT_FALSE(gate.Run("a", failing));
  EXPECT_EQ(calls, 2);
  // Success is not remembered here (the caller caches it); max_negative bounds the memory.
  EXPECT_EQ(*gate.Run("ok", [] { return Result<int>(7); }), 7);
  EXPECT_FALSE(gate.Run("b", failing));
  EXPECT_FALSE(gate.Run("c", failing));  // evicts "a" (closest to expiry)
  EXPECT_FALSE(gate.Run("a", failing));
  EXPECT_EQ(calls, 5);
}

TEST(FetchGate, SharesOneFlightAndRefusesPastTheCap) {
  FetchGate<int> gate({.what = "collateral fetch", .max_in_flight = 1});
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> calls{0};
  auto slow = [&]() -> Result<int> {
    ++calls;
    entered.set_value();
    released.wait();
    return 42;
  };
  std::thread first([&] { EXPECT_EQ(*gate.Run("k", slow), 42); });
  entered.get_future().wait();
  auto refused = gate.Run("other", [] { return Result<int>(1); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Code::kResourceExhausted);
  EXPECT_EQ(refused.error().message(),
            "collateral fetch: 1 fetches already in flight (limit max_in_flight); retry later");
  std::vector<std::thread> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&] {
      auto r = gate.Run("k", [&]() -> Result<int> {
        ++calls;
        return 0;
      });
      EXPECT_EQ(r.value_or(-1), 42);  // the first caller's result, not a fetch of their own
    });
  }
  while (gate.waiting() < 4) std::this_thread::yield();
  release.set_value();
  first.join();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(gate.refused(), 1u);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(*gate.Run("other", [] { return Result<int>(1); }), 1);  // the slot is free again
}

}  // namespace
}  // namespace cocoon::base
