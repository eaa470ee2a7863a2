#include "kbs/session.h"

#include <gtest/gtest.h>

namespace cocoon::kbs {
namespace {

class SessionStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    kv_ = NewMemoryKvStore();
    store_ = GetParam() ? NewKvSessionStore(kv_.get(), 300) : NewMemorySessionStore(300);
  }
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<SessionStore> store_;
};

TEST_P(SessionStoreTest, CreateGetAttestExpire) {
  auto s = store_->Create("sample", "bm9uY2U=", "sha384", 1000);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id.size(), 32u);
  EXPECT_EQ(s->expires, 1300);
  auto got = store_->Get(s->id, 1100);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->nonce, "bm9uY2U=");
  EXPECT_FALSE(got->token);
  got->token = "t.o.k";
  ASSERT_TRUE(store_->Save(*got));
  EXPECT_EQ(*store_->Get(s->id, 1299)->token, "t.o.k");
  auto expired = store_->Get(s->id, 1300);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code(), Code::kNotFound);
  EXPECT_EQ(store_->Get(s->id, 1000).error().code(), Code::kNotFound);  // deleted on expiry
}

TEST_P(SessionStoreTest, UnknownIdsAndSweep) {
  EXPECT_EQ(store_->Get("not-a-session", 0).error().code(), Code::kNotFound);
  auto a = *store_->Create("sample", "a", "sha384", 0);
  auto b = *store_->Create("sample", "b", "sha384", 200);
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(*store_->Sweep(350), 1u);
  EXPECT_FALSE(store_->Get(a.id, 0));
  EXPECT_TRUE(store_->Get(b.id, 350));
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionStoreTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "KvStore" : "Memory"; });

TEST(HttpDate, Imf) { EXPECT_EQ(HttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT"); }

}  // namespace
}  // namespace cocoon::kbs

namespace cocoon::kbs {
namespace {

TEST(MemorySessionStore, EvictsOldestBeyondItsBudget) {
  // Each session costs ~312 bytes of budget here; the unattested quarter of 16 KiB holds 13.
  auto store = NewMemorySessionStore(300, 16384);
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    auto s = store->Create("sample", std::string(44, 'n'), "sha384", 0);
    ASSERT_TRUE(s);
    ids.push_back(s->id);
  }
  EXPECT_FALSE(store->Get(ids.front(), 1));  // oldest evicted
  EXPECT_TRUE(store->Get(ids.back(), 1));    // newest kept
  size_t alive = 0;
  for (const auto& id : ids) alive += store->Get(id, 1).has_value();
  EXPECT_GE(alive, 5u);
  EXPECT_LE(alive, 13u);
  // Growing a session (attesting it) also respects the budget.
  auto last = *store->Get(ids.back(), 1);
  last.token = std::string(2000, 't');
  ASSERT_TRUE(store->Save(last));
  EXPECT_TRUE(store->Get(ids.back(), 1));
}

// Issue 11 item 6: unattested sessions live in their own pool, so a flood of /auth (100 times
// what the pending pool holds) leaves every attested session in place.
TEST(MemorySessionStore, AuthFloodCannotEvictAttestedSessions) {
  auto store = NewMemorySessionStore(300, 64 * 1024);
  std::vector<std::string> attested;
  for (int i = 0; i < 20; ++i) {
    auto s = store->Create("snp", std::string(44, 'n'), "sha384", 0);
    ASSERT_TRUE(s);
    s->token = std::string(1000, 't');
    ASSERT_TRUE(store->Save(*s));
    attested.push_back(s->id);
  }
  std::string first_flood, last_flood;
  for (int i = 0; i < 5000; ++i) {
    auto s = store->Create("snp", std::string(44, 'f'), "sha384", 0);
    ASSERT_TRUE(s);
    if (i == 0) first_flood = s->id;
    last_flood = s->id;
  }
  for (const auto& id : attested) {
    auto s = store->Get(id, 1);
    ASSERT_TRUE(s) << "attested session evicted by the /auth flood";
    EXPECT_EQ(s->token->size(), 1000u);
  }
  EXPECT_FALSE(store->Get(first_flood, 1));  // the flood evicts only its own oldest
  EXPECT_TRUE(store->Get(last_flood, 1));
  // A pending session that attests moves pools: the next flood cannot evict it either.
  auto pending = *store->Get(last_flood, 1);
  pending.token = "t.o.k";
  ASSERT_TRUE(store->Save(pending));
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(store->Create("snp", "n", "sha384", 0));
  EXPECT_TRUE(store->Get(last_flood, 1));
  for (const auto& id : attested) EXPECT_TRUE(store->Get(id, 1));
  // The attested pool evicts its own oldest when it overflows.
  std::string newest;
  for (int i = 0; i < 100; ++i) {
    auto s = *store->Create("snp", "n", "sha384", 0);
    s.token = std::string(1000, 't');
    ASSERT_TRUE(store->Save(s));
    newest = s.id;
  }
  EXPECT_FALSE(store->Get(attested.front(), 1));
  EXPECT_TRUE(store->Get(newest, 1));
}

}  // namespace
}  // namespace cocoon::kbs
