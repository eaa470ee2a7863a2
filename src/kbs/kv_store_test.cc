// KvStore conformance tests run against every backend (Memory, SQLite), plus SQLite durability
// across a killed writer process and the backend registry.
#include "kbs/kv_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "testutil/temp_dir.h"

namespace cocoon::kbs {
namespace {

namespace fs = std::filesystem;

using testutil::TempDir;

struct Backend {
  std::string name;
  std::function<std::unique_ptr<KvStore>(const fs::path& dir)> open;
};

std::ostream& operator<<(std::ostream& os, const Backend& b) { return os << b.name; }

class KvStoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    store_ = GetParam().open(dir_.path());
    ASSERT_NE(store_, nullptr);
  }
  std::optional<Bytes> MustGet(std::string_view ns, std::string_view key) {
    auto got = store_->Get(ns, key);
    EXPECT_TRUE(got.has_value()) << got.error().ToString();
    return got.has_value() ? *got : std::nullopt;
  }

  TempDir dir_;
  std::unique_ptr<KvStore> store_;
};

TEST_P(KvStoreConformance, SetThenGet) {
  ASSERT_TRUE(store_->Set("repository", "default/key/1", AsBytes("secret")));
  EXPECT_EQ(MustGet("repository", "default/key/1"), ToBytes("secret"));
}

TEST_P(KvStoreConformance, GetMissingIsNullopt) {
  EXPECT_EQ(MustGet("repository", "nope"), std::nullopt);
}

TEST_P(KvStoreConformance, OverwriteReplaces) {
  ASSERT_TRUE(store_->Set("kbs", "resource-policy.rego", AsBytes("v1")));
  ASSERT_TRUE(store_->Set("kbs", "resource-policy.rego", AsBytes("v2-longer")));
  EXPECT_EQ(MustGet("kbs", "resource-policy.rego"), ToBytes("v2-longer"));
}

TEST_P(KvStoreConformance, NoOverwriteKeepsValueAndFails) {
  ASSERT_TRUE(store_->Set("kbs", "k", AsBytes("first"), /*overwrite=*/false));
  auto st = store_->Set("kbs", "k", AsBytes("second"), /*overwrite=*/false);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(MustGet("kbs", "k"), ToBytes("first"));
}

TEST_P(KvStoreConformance, DeleteReportsWhetherDeleted) {
  ASSERT_TRUE(store_->Set("kbs", "k", AsBytes("v")));
  auto first = store_->Delete("kbs", "k");
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  auto second = store_->Delete("kbs", "k");
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  EXPECT_EQ(MustGet("kbs", "k"), std::nullopt);
}

TEST_P(KvStoreConformance, ListIsSortedAndPerNamespace) {
  for (const char* key : {"c", "a/b", "b", "a"}) ASSERT_TRUE(store_->Set("ns1", key, AsBytes("x")));
  ASSERT_TRUE(store_->Set("ns2", "z", AsBytes("x")));
  auto keys = store_->List("ns1");
  ASSERT_TRUE(keys);
  EXPECT_EQ(*keys, (std::vector<std::string>{"a", "a/b", "b", "c"}));
  auto empty = store_->List("ns3");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST_P(KvStoreConformance, NamespacesAreIsolated) {
  ASSERT_TRUE(store_->Set("repository", "k", AsBytes("repo")));
  ASSERT_TRUE(store_->Set("kbs_protocol_session", "k", AsBytes("session")));
  EXPECT_EQ(MustGet("repository", "k"), ToBytes("repo"));
  EXPECT_EQ(MustGet("kbs_protocol_session", "k"), ToBytes("session"));
  ASSERT_TRUE(store_->Delete("repository", "k"));
  EXPECT_EQ(MustGet("kbs_protocol_session", "k"), ToBytes("session"));
  ASSERT_TRUE(store_->Set("kbs_protocol_session", "other", AsBytes("x"), /*overwrite=*/false));
  ASSERT_TRUE(store_->Set("repository", "other", AsBytes("y"), /*overwrite=*/false));
}

TEST_P(KvStoreConformance, BinaryAndEmptyValuesRoundTrip) {
  Bytes binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<uint8_t>(i));
  binary.push_back(0);
  ASSERT_TRUE(store_->Set("repository", "bin", binary));
  EXPECT_EQ(MustGet("repository", "bin"), binary);
  ASSERT_TRUE(store_->Set("repository", "empty", Bytes{}));
  EXPECT_EQ(MustGet("repository", "empty"), Bytes{});
  Bytes large(3 * 1024 * 1024, 0xA5);
  ASSERT_TRUE(store_->Set("repository", "large", large));
  EXPECT_EQ(MustGet("repository", "large"), large);
}

TEST_P(KvStoreConformance, InvalidKeysAreRejected) {
  for (std::string key : {std::string(), std::string("a b"), std::string("a\0b", 3),
                          std::string("key?x"), std::string("ä"), std::string(1025, 'a')}) {
    auto st = store_->Set("repository", key, AsBytes("v"));
    ASSERT_FALSE(st) << key;
    EXPECT_EQ(st.error().code(), Code::kInvalidArgument);
    auto got = store_->Get("repository", key);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code(), Code::kInvalidArgument);
    auto del = store_->Delete("repository", key);
    ASSERT_FALSE(del);
    EXPECT_EQ(del.error().code(), Code::kInvalidArgument);
  }
  auto list = store_->List("bad ns");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(store_->Set("repository", std::string(1024, 'a'), AsBytes("v")));
  EXPECT_TRUE(store_->Set("repository", "A-Z_a.z/0-9", AsBytes("v")));
}

TEST_P(KvStoreConformance, ConcurrentWritersAndReaders) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        EXPECT_TRUE(store_->Set("repository", key, AsBytes(key)));
        auto got = store_->Get("repository", key);
        EXPECT_TRUE(got && *got == ToBytes(key)) << key;
      }
    });
  }
  for (auto& th : threads) th.join();
  auto keys = store_->List("repository");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->size(), 200u);
}

std::unique_ptr<KvStore> OpenSqliteIn(const fs::path& dir) {
  auto store = OpenSqliteKvStore((dir / "sub" / "kv.sqlite").string());
  EXPECT_TRUE(store) << store.error().ToString();
  return store ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(
    Backends, KvStoreConformance,
    ::testing::Values(Backend{"Memory", [](const fs::path&) { return NewMemoryKvStore(); }},
                      Backend{"Sqlite", OpenSqliteIn}),
    [](const auto& info) { return info.param.name; });

TEST(SqliteKvStore, PersistsAcrossReopen) {
  TempDir dir;
  std::string path = (dir.path() / "kv.sqlite").string();
  {
    auto store = OpenSqliteKvStore(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->Set("repository", "a", AsBytes("1")));
  }
  auto store = OpenSqliteKvStore(path);
  ASSERT_TRUE(store);
  auto got = (*store)->Get("repository", "a");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, ToBytes("1"));
}

// A child process acknowledges a write and then dies without any cleanup; the parent must see it.
void ExpectWriteSurvivesDeath(bool sigkill) {
  TempDir dir;
  std::string path = (dir.path() / "kv.sqlite").string();
  int ack[2];
  ASSERT_EQ(pipe(ack), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(ack[0]);
    auto store = OpenSqliteKvStore(path);
    bool ok = store && (*store)->Set("repository", "durable", AsBytes("value"));
    char c = ok ? '1' : '0';
    (void)!write(ack[1], &c, 1);
    if (sigkill) {
      pause();  // the parent kills us while the store is still open
    }
    _exit(0);
  }
  close(ack[1]);
  char c = 0;
  ASSERT_EQ(read(ack[0], &c, 1), 1);
  close(ack[0]);
  if (sigkill) kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_EQ(c, '1');
  auto store = OpenSqliteKvStore(path);
  ASSERT_TRUE(store);
  auto got = (*store)->Get("repository", "durable");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, ToBytes("value"));
}

TEST(SqliteKvStore, AcknowledgedWriteSurvivesExit) { ExpectWriteSurvivesDeath(false); }
TEST(SqliteKvStore, AcknowledgedWriteSurvivesSigkill) { ExpectWriteSurvivesDeath(true); }

TEST(SqliteKvStore, UnopenablePathIsUnavailableNamingPath) {
  TempDir dir;
  fs::path file = dir.path() / "not-a-dir";
  { std::ofstream(file) << "x"; }
  std::string path = (file / "kv.sqlite").string();
  auto store = OpenSqliteKvStore(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), Code::kUnavailable);
  EXPECT_NE(store.error().message().find(file.string()), std::string::npos);

  fs::path db_dir = dir.path() / "dir.sqlite";
  fs::create_directory(db_dir);
  store = OpenSqliteKvStore(db_dir.string());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), Code::kUnavailable);
  EXPECT_NE(store.error().message().find(db_dir.string()), std::string::npos);
}

TEST(SqliteKvStore, MemoryPathRejected) {
  auto store = OpenSqliteKvStore(":memory:");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), Code::kInvalidArgument);
}

TEST(ValidateKey, Limits) {
  EXPECT_TRUE(ValidateKey(std::string(1024, 'k')));
  EXPECT_EQ(ValidateKey(std::string(1025, 'k')).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateKey("").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateNamespace("a:b").error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(ValidateNamespace("kbs_protocol_session"));
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterBuiltinKvStores(registry_); }
  KvStoreRegistry registry_;
  TempDir dir_;
};

TEST_F(RegistryTest, MemoryUnderBothNames) {
  for (const char* name : {"Memory", "memory"}) {
    auto store = registry_.Create(name, {});
    ASSERT_TRUE(store) << name;
    EXPECT_TRUE((*store)->Set("kbs", "k", AsBytes("v")));
  }
}

TEST_F(RegistryTest, SqliteUsesPathOption) {
  std::string path = (dir_.path() / "x" / "store.sqlite").string();
  auto store = registry_.Create("sqlite", {{"path", path}});
  ASSERT_TRUE(store) << store.error().ToString();
  EXPECT_TRUE(fs::exists(path));
}

TEST_F(RegistryTest, LocalFsAndLocalJsonMapToSqliteInDirectory) {
  const std::pair<const char*, const char*> cases[] = {{"LocalFs", "dir_path"},
                                                       {"local_fs", "dir_path"},
                                                       {"LocalJson", "file_dir_path"},
                                                       {"local_json", "file_dir_path"}};
  for (const auto& [name, option] : cases) {
    fs::path sub = dir_.path() / name;
    auto store = registry_.Create(name, {{option, sub.string()}});
    ASSERT_TRUE(store) << name << ": " << store.error().ToString();
    EXPECT_TRUE(fs::exists(sub / "cocoon-kbs.sqlite")) << name;
    auto missing = registry_.Create(name, {});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code(), Code::kInvalidArgument) << name;
  }
}

TEST_F(RegistryTest, PostgresAndRedisUnimplemented) {
  for (const char* name : {"Postgres", "postgres", "Redis", "redis"}) {
    auto store = registry_.Create(name, {});
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code(), Code::kUnimplemented) << name;
  }
}

TEST_F(RegistryTest, UnknownNameIsNotFoundListingKnown) {
  auto store = registry_.Create("Vault", {});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), Code::kNotFound);
  EXPECT_NE(store.error().message().find("Vault"), std::string::npos);
  EXPECT_NE(store.error().message().find("Sqlite"), std::string::npos);
  EXPECT_NE(store.error().message().find("LocalFs"), std::string::npos);
}

TEST_F(RegistryTest, NamesIncludeAliases) {
  auto names = registry_.Names();
  for (const char* n : {"Memory", "Sqlite", "LocalFs", "LocalJson", "local_fs", "local_json"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
}

}  // namespace
}  // namespace cocoon::kbs
