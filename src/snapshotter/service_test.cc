// containerd's snapshotter API over gRPC against the store: the status codes containerd acts on
// (ALREADY_EXISTS for a guest-pulled layer, NOT_FOUND), the streamed List with containerd's
// filter, and a clean shutdown that removes the socket.
#include "snapshotter/service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "containerd/snapshots.grpc.pb.h"
#include "testutil/temp_dir.h"

namespace cocoon::snapshotter {
namespace {

namespace api = ::containerd::services::snapshots::v1;

class SnapshotterService : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(dir_.File("root"));
    ASSERT_TRUE(s) << s.error().message();
    store_ = std::move(*s);
    // A short path: unix socket paths hold 107 bytes.
    socket_ = "/tmp/cocoon-snap-test-" + std::to_string(::getpid()) + ".sock";
    auto server = Server::Start(*store_, socket_);
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
    stub_ = api::Snapshots::NewStub(
        grpc::CreateChannel("unix:" + socket_, grpc::InsecureChannelCredentials()));
  }

  grpc::Status Prepare(const std::string& key, const std::string& parent,
                       const std::map<std::string, std::string>& labels,
                       api::PrepareSnapshotResponse* out) {
    grpc::ClientContext ctx;
    api::PrepareSnapshotRequest r;
    r.set_snapshotter("cocoon");
    r.set_key(key);
    r.set_parent(parent);
    for (const auto& [k, v] : labels) (*r.mutable_labels())[k] = v;
    return stub_->Prepare(&ctx, r, out);
  }

  testutil::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::string socket_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<api::Snapshots::Stub> stub_;
};

TEST_F(SnapshotterService, GuestPulledLayersAreAlreadyThereAndListedByRef) {
  api::PrepareSnapshotResponse out;
  auto st = Prepare("k8s.io/1/extract-1 sha256:aaa", "",
                    {{"containerd.io/snapshot.ref", "sha256:aaa"},
                     {"containerd.io/snapshot/cri.layer-digest", "sha256:l0"}},
                    &out);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::ALREADY_EXISTS) << st.error_message();
  // What containerd's metadata layer asks next.
  grpc::ClientContext ctx;
  api::ListSnapshotsRequest list;
  list.add_filters(R"(labels."containerd.io/snapshot.ref"==sha256:aaa,parent=="")");
  auto reader = stub_->List(&ctx, list);
  api::ListSnapshotsResponse batch;
  std::vector<std::string> names;
  while (reader->Read(&batch)) {
    for (const auto& i : batch.info()) {
      names.push_back(i.name());
      EXPECT_EQ(i.kind(), api::COMMITTED);
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(names, std::vector<std::string>{"sha256:aaa"});
  grpc::ClientContext sctx;
  api::StatSnapshotRequest stat;
  stat.set_key("sha256:aaa");
  api::StatSnapshotResponse info;
  ASSERT_TRUE(stub_->Stat(&sctx, stat, &info).ok());
  EXPECT_EQ(info.info().labels().at("containerd.io/snapshot/cri.layer-digest"), "sha256:l0");
}

TEST_F(SnapshotterService, ContainerSnapshotMountsAndErrors) {
  api::PrepareSnapshotResponse out;
  ASSERT_EQ(Prepare("layer", "", {{"containerd.io/snapshot.ref", "sha256:l"}}, &out).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  auto st = Prepare("k8s.io/5/c1", "sha256:l", {}, &out);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(out.mounts_size(), 1);
  EXPECT_EQ(out.mounts(0).type(), "bind");
  grpc::ClientContext mctx;
  api::MountsRequest m;
  m.set_key("k8s.io/5/c1");
  api::MountsResponse mounts;
  ASSERT_TRUE(stub_->Mounts(&mctx, m, &mounts).ok());
  EXPECT_EQ(mounts.mounts(0).source(), out.mounts(0).source());
  grpc::ClientContext rctx;
  api::RemoveSnapshotRequest rm;
  rm.set_key("nope");
  google::protobuf::Empty empty;
  EXPECT_EQ(stub_->Remove(&rctx, rm, &empty).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext lctx;
  api::ListSnapshotsRequest bad;
  bad.add_filters("size>1");
  auto reader = stub_->List(&lctx, bad);
  api::ListSnapshotsResponse batch;
  while (reader->Read(&batch)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SnapshotterService, ShutdownRemovesTheSocket) {
  ASSERT_TRUE(std::filesystem::exists(socket_));
  server_->Shutdown();
  EXPECT_FALSE(std::filesystem::exists(socket_));
}

}  // namespace
}  // namespace cocoon::snapshotter
