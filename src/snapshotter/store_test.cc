// The guest-pull snapshot store: labelled layer prepares become committed placeholders answered
// with "already exists" (what makes containerd skip the layer); writable snapshots get an empty
// bind-mountable directory; commit, remove, update, list filters, persistence across restarts.
#include "snapshotter/store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testutil/temp_dir.h"

namespace cocoon::snapshotter {
namespace {

const std::map<std::string, std::string> kLayer0 = {
    {"containerd.io/snapshot.ref", "sha256:aaa"},
    {"containerd.io/snapshot/cri.image-ref", "127.0.0.1:5000/app:1"},
    {"containerd.io/snapshot/cri.layer-digest", "sha256:l0"}};

TEST(SnapshotStore, LabelledLayerPrepareCommitsAPlaceholderAndSaysItExists) {
  testutil::TempDir dir;
  auto s = Store::Open(dir.File("root"));
  ASSERT_TRUE(s) << s.error().message();
  auto r = (*s)->Prepare("k8s.io/1/extract-1 sha256:aaa", "", kLayer0);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->already_exists);
  auto info = (*s)->Stat("sha256:aaa");
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->kind, Kind::kCommitted);
  EXPECT_EQ(info->labels.at("containerd.io/snapshot.ref"), "sha256:aaa");
  // The extract key itself was never created; a second pull of the layer says the same.
  EXPECT_FALSE((*s)->Stat("k8s.io/1/extract-1 sha256:aaa"));
  auto again = (*s)->Prepare("k8s.io/2/extract-2 sha256:aaa", "", kLayer0);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->already_exists);
  // The next layer names its parent; an unknown parent is refused.
  auto child = (*s)->Prepare("k8s.io/3/extract-3 sha256:bbb", "sha256:aaa",
                             {{"containerd.io/snapshot.ref", "sha256:bbb"}});
  ASSERT_TRUE(child);
  EXPECT_EQ((*s)->Stat("sha256:bbb")->parent, "sha256:aaa");
  auto orphan = (*s)->Prepare("k", "sha256:nope", {{"containerd.io/snapshot.ref", "sha256:c"}});
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code(), Code::kNotFound);
}

TEST(SnapshotStore, WritableSnapshotIsAnEmptyBindMount) {
  testutil::TempDir dir;
  auto s = *Store::Open(dir.File("root"));
  ASSERT_TRUE(s->Prepare("l", "", {{"containerd.io/snapshot.ref", "sha256:l"}}));
  auto r = s->Prepare("k8s.io/9/container-1", "sha256:l", {});
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_FALSE(r->already_exists);
  ASSERT_EQ(r->mounts.size(), 1u);
  EXPECT_EQ(r->mounts[0].type, "bind");
  EXPECT_EQ(r->mounts[0].options, (std::vector<std::string>{"rbind", "rw"}));
  EXPECT_TRUE(std::filesystem::is_directory(r->mounts[0].source));
  EXPECT_TRUE(std::filesystem::is_empty(r->mounts[0].source));
  auto m = s->Mounts("k8s.io/9/container-1");
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)[0].source, r->mounts[0].source);
  auto view = s->View("v", "sha256:l", {});
  ASSERT_TRUE(view);
  EXPECT_EQ(view->mounts[0].options[1], "ro");
  EXPECT_EQ(s->Mounts("sha256:l").error().code(), Code::kFailedPrecondition);
}

TEST(SnapshotStore, CommitRemoveAndUpdate) {
  testutil::TempDir dir;
  auto s = *Store::Open(dir.File("root"));
  auto r = s->Prepare("active", "", {});
  ASSERT_TRUE(r);
  std::string src = r->mounts[0].source;
  ASSERT_TRUE(s->Commit("layer", "active", {{"a", "1"}}));
  EXPECT_EQ(s->Stat("layer")->kind, Kind::kCommitted);
  EXPECT_FALSE(s->Stat("active"));
  ASSERT_TRUE(s->Prepare("child", "layer", {}));
  auto busy = s->Remove("layer");
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(busy.error().message().find("child"), std::string::npos);
  Info upd;
  upd.name = "layer";
  upd.labels = {{"b", "2"}};
  auto u = s->Update(upd, {"labels.b", "labels.a"});
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->labels, (std::map<std::string, std::string>{{"b", "2"}}));
  EXPECT_FALSE(s->Update(upd, {"parent"}));
  ASSERT_TRUE(s->Remove("child"));
  ASSERT_TRUE(s->Remove("layer"));
  EXPECT_FALSE(std::filesystem::exists(src)) << "its directory goes with it";
  EXPECT_EQ(s->Remove("layer").error().code(), Code::kNotFound);
}

TEST(SnapshotStore, SurvivesARestartAndRefusesForeignMetadata) {
  testutil::TempDir dir;
  {
    auto s = *Store::Open(dir.File("root"));
    ASSERT_TRUE(s->Prepare("x", "", kLayer0));
    ASSERT_TRUE(s->Prepare("rw", "sha256:aaa", {}));
  }
  auto s = Store::Open(dir.File("root"));
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ((*s)->List().size(), 2u);
  EXPECT_EQ((*s)->Stat("rw")->parent, "sha256:aaa");
  auto r = (*s)->Prepare("rw2", "", {});
  ASSERT_TRUE(r);
  EXPECT_NE(r->mounts[0].source, (*(*s)->Mounts("rw"))[0].source) << "ids are not reused";
  std::filesystem::create_directories(dir.File("bad"));
  dir.Write("bad/metadata.json", "{\"something\": 1}");
  auto bad = Store::Open(dir.File("bad"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kDataLoss);
}

TEST(SnapshotFilter, TheConditionsContainerdSends) {
  Info i{.name = "sha256:aaa",
         .parent = "",
         .kind = Kind::kCommitted,
         .created_ns = 0,
         .updated_ns = 0,
         .labels = {{"containerd.io/snapshot.ref", "sha256:aaa"}}};
  EXPECT_TRUE(*MatchesFilter(i, R"(labels."containerd.io/snapshot.ref"==sha256:aaa,parent=="")"));
  EXPECT_FALSE(*MatchesFilter(i, R"(labels."containerd.io/snapshot.ref"==sha256:bbb)"));
  EXPECT_FALSE(*MatchesFilter(i, R"(parent=="sha256:x")"));
  EXPECT_TRUE(*MatchesFilter(i, "kind==committed"));
  EXPECT_TRUE(*MatchesFilter(i, "name!=other"));
  EXPECT_FALSE(*MatchesFilter(i, R"(labels."missing"=="x")"));
  EXPECT_FALSE(MatchesFilter(i, "size>3"));
  EXPECT_FALSE(MatchesFilter(i, "bogus==1"));
  EXPECT_FALSE(MatchesFilter(i, R"(name=="unterminated)"));
}

}  // namespace
}  // namespace cocoon::snapshotter
