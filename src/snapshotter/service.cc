// The snapshotter's gRPC service (see service.h).
#include "snapshotter/service.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>

#include "base/logging.h"
#include "containerd/snapshots.grpc.pb.h"

namespace cocoon::snapshotter {
namespace {

namespace api = ::containerd::services::snapshots::v1;

grpc::Status ToGrpc(const Error& e) {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  switch (e.code()) {
    case Code::kOk:
      return grpc::Status::OK;
    case Code::kInvalidArgument:
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
    case Code::kUnauthenticated:
      code = grpc::StatusCode::UNAUTHENTICATED;
      break;
    case Code::kPermissionDenied:
      code = grpc::StatusCode::PERMISSION_DENIED;
      break;
    case Code::kNotFound:
      code = grpc::StatusCode::NOT_FOUND;
      break;
    case Code::kFailedPrecondition:
      code = grpc::StatusCode::FAILED_PRECONDITION;
      break;
    case Code::kResourceExhausted:
      code = grpc::StatusCode::RESOURCE_EXHAUSTED;
      break;
    case Code::kDeadlineExceeded:
      code = grpc::StatusCode::DEADLINE_EXCEEDED;
      break;
    case Code::kUnavailable:
      code = grpc::StatusCode::UNAVAILABLE;
      break;
    case Code::kDataLoss:
      code = grpc::StatusCode::DATA_LOSS;
      break;
    case Code::kUnimplemented:
      code = grpc::StatusCode::UNIMPLEMENTED;
      break;
    case Code::kInternal:
      code = grpc::StatusCode::INTERNAL;
      break;
  }
  return grpc::Status(code, e.message());
}

std::map<std::string, std::string> Labels(
    const google::protobuf::Map<std::string, std::string>& m) {
  return {m.begin(), m.end()};
}

google::protobuf::Timestamp Ts(int64_t ns) {
  google::protobuf::Timestamp t;
  t.set_seconds(ns / 1'000'000'000);
  t.set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
  return t;
}

void ToProto(const Info& in, api::Info* out) {
  out->set_name(in.name);
  out->set_parent(in.parent);
  out->set_kind(static_cast<api::Kind>(static_cast<int>(in.kind)));
  *out->mutable_created_at() = Ts(in.created_ns);
  *out->mutable_updated_at() = Ts(in.updated_ns);
  for (const auto& [k, v] : in.labels) (*out->mutable_labels())[k] = v;
}

template <typename Resp>
void AddMounts(const std::vector<Mount>& mounts, Resp* out) {
  for (const auto& m : mounts) {
    auto* pm = out->add_mounts();
    pm->set_type(m.type);
    pm->set_source(m.source);
    for (const auto& o : m.options) pm->add_options(o);
  }
}

class SnapshotsService final : public api::Snapshots::Service {
 public:
  explicit SnapshotsService(Store& store) : store_(store) {}

  grpc::Status Prepare(grpc::ServerContext*, const api::PrepareSnapshotRequest* r,
                       api::PrepareSnapshotResponse* out) override {
    auto res = store_.Prepare(r->key(), r->parent(), Labels(r->labels()));
    if (!res) return ToGrpc(res.error());
    if (res->already_exists) {
      LOG_DEBUG("prepare {}: already exists (the guest pulls this layer)", r->key());
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                          "snapshot " + r->key() + " already exists");
    }
    AddMounts(res->mounts, out);
    return grpc::Status::OK;
  }

  grpc::Status View(grpc::ServerContext*, const api::ViewSnapshotRequest* r,
                    api::ViewSnapshotResponse* out) override {
    auto res = store_.View(r->key(), r->parent(), Labels(r->labels()));
    if (!res) return ToGrpc(res.error());
    if (res->already_exists) {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                          "snapshot " + r->key() + " already exists");
    }
    AddMounts(res->mounts, out);
    return grpc::Status::OK;
  }

  grpc::Status Mounts(grpc::ServerContext*, const api::MountsRequest* r,
                      api::MountsResponse* out) override {
    auto res = store_.Mounts(r->key());
    if (!res) return ToGrpc(res.error());
    AddMounts(*res, out);
    return grpc::Status::OK;
  }

  grpc::Status Commit(grpc::ServerContext*, const api::CommitSnapshotRequest* r,
                      google::protobuf::Empty*) override {
    auto st = store_.Commit(r->name(), r->key(), Labels(r->labels()));
    return st ? grpc::Status::OK : ToGrpc(st.error());
  }

  grpc::Status Remove(grpc::ServerContext*, const api::RemoveSnapshotRequest* r,
                      google::protobuf::Empty*) override {
    auto st = store_.Remove(r->key());
    return st ? grpc::Status::OK : ToGrpc(st.error());
  }

  grpc::Status Stat(grpc::ServerContext*, const api::StatSnapshotRequest* r,
                    api::StatSnapshotResponse* out) override {
    auto info = store_.Stat(r->key());
    if (!info) return ToGrpc(info.error());
    ToProto(*info, out->mutable_info());
    return grpc::Status::OK;
  }

  grpc::Status Update(grpc::ServerContext*, const api::UpdateSnapshotRequest* r,
                      api::UpdateSnapshotResponse* out) override {
    Info in;
    in.name = r->info().name();
    in.labels = Labels(r->info().labels());
    std::vector<std::string> paths(r->update_mask().paths().begin(),
                                   r->update_mask().paths().end());
    auto info = store_.Update(in, paths);
    if (!info) return ToGrpc(info.error());
    ToProto(*info, out->mutable_info());
    return grpc::Status::OK;
  }

  grpc::Status List(grpc::ServerContext*, const api::ListSnapshotsRequest* r,
                    grpc::ServerWriter<api::ListSnapshotsResponse>* writer) override {
    api::ListSnapshotsResponse batch;
    for (const auto& info : store_.List()) {
      bool keep = r->filters().empty();
      for (const auto& f : r->filters()) {  // any filter may match
        auto m = MatchesFilter(info, f);
        if (!m) return ToGrpc(m.error());
        keep = keep || *m;
      }
      if (!keep) continue;
      ToProto(info, batch.add_info());
      if (batch.info_size() == 100) {
        writer->Write(batch);
        batch.Clear();
      }
    }
    if (batch.info_size() > 0) writer->Write(batch);
    return grpc::Status::OK;
  }

  grpc::Status Usage(grpc::ServerContext*, const api::UsageRequest* r,
                     api::UsageResponse* out) override {
    auto u = store_.Usage(r->key());
    if (!u) return ToGrpc(u.error());
    out->set_size(u->first);
    out->set_inodes(u->second);
    return grpc::Status::OK;
  }

  grpc::Status Cleanup(grpc::ServerContext*, const api::CleanupRequest*,
                       google::protobuf::Empty*) override {
    return grpc::Status::OK;  // removed snapshots' directories go at Remove
  }

 private:
  Store& store_;
};

}  // namespace

struct Server::Impl {
  std::unique_ptr<SnapshotsService> service;
  std::unique_ptr<grpc::Server> server;
  std::string path;
  std::once_flag stopped;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Shutdown(); }

Result<std::unique_ptr<Server>> Server::Start(Store& store, const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->service = std::make_unique<SnapshotsService>(store);
  ::unlink(path.c_str());
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + path, grpc::InsecureServerCredentials());
  builder.RegisterService(impl->service.get());
  impl->server = builder.BuildAndStart();
  if (!impl->server) return Unavailable("cannot listen on " + path);
  ::chmod(path.c_str(), 0600);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Wait() {
  if (impl_ && impl_->server) impl_->server->Wait();
}

void Server::Shutdown() {
  if (!impl_ || !impl_->server) return;
  std::call_once(impl_->stopped, [this] {
    impl_->server->Shutdown();
    ::unlink(impl_->path.c_str());
  });
}

}  // namespace cocoon::snapshotter
