// A blocking CRI v1 client for tests: drives containerd's CRI plugin over its gRPC socket with the
// same RPCs a kubelet sends (runtime.v1 RuntimeService and ImageService, proto/cri/api.proto).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/error.h"
#include "cri/api.grpc.pb.h"

namespace cocoon::testing {

namespace cri = ::runtime::v1;

class CriClient {
 public:
  // Connects lazily to unix:<socket_path> (e.g. /run/containerd/containerd.sock); every call
  // gets `deadline` from its start.
  explicit CriClient(const std::string& socket_path,
                     std::chrono::seconds deadline = std::chrono::seconds(300));

  // Each method sends one RPC and returns its response. A failed call returns the gRPC code
  // mapped to the nearest cocoon Code (ALREADY_EXISTS and ABORTED become FailedPrecondition,
  // CANCELLED Unavailable, UNKNOWN Internal) with the message "<Method>: <gRPC message>".

  // RuntimeService.
  Result<cri::VersionResponse> Version(const cri::VersionRequest& req);
  Result<cri::RunPodSandboxResponse> RunPodSandbox(const cri::RunPodSandboxRequest& req);
  Result<cri::StopPodSandboxResponse> StopPodSandbox(const cri::StopPodSandboxRequest& req);
  Result<cri::RemovePodSandboxResponse> RemovePodSandbox(const cri::RemovePodSandboxRequest& req);
  Result<cri::PodSandboxStatusResponse> PodSandboxStatus(const cri::PodSandboxStatusRequest& req);
  Result<cri::ListPodSandboxResponse> ListPodSandbox(const cri::ListPodSandboxRequest& req);
  Result<cri::CreateContainerResponse> CreateContainer(const cri::CreateContainerRequest& req);
  Result<cri::StartContainerResponse> StartContainer(const cri::StartContainerRequest& req);
  Result<cri::StopContainerResponse> StopContainer(const cri::StopContainerRequest& req);
  Result<cri::RemoveContainerResponse> RemoveContainer(const cri::RemoveContainerRequest& req);
  Result<cri::ListContainersResponse> ListContainers(const cri::ListContainersRequest& req);
  Result<cri::ContainerStatusResponse> ContainerStatus(const cri::ContainerStatusRequest& req);
  Result<cri::ExecSyncResponse> ExecSync(const cri::ExecSyncRequest& req);
  Result<cri::StatusResponse> Status(const cri::StatusRequest& req);

  // ImageService.
  Result<cri::ListImagesResponse> ListImages(const cri::ListImagesRequest& req);
  Result<cri::ImageStatusResponse> ImageStatus(const cri::ImageStatusRequest& req);
  Result<cri::PullImageResponse> PullImage(const cri::PullImageRequest& req);
  Result<cri::RemoveImageResponse> RemoveImage(const cri::RemoveImageRequest& req);

 private:
  // Runs one unary RPC `rpc` of `stub` under the per-call deadline.
  template <typename Stub, typename Req, typename Resp>
  Result<Resp> Call(const char* method, Stub& stub,
                    grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Req&, Resp*),
                    const Req& req);

  std::chrono::seconds deadline_;
  std::unique_ptr<cri::RuntimeService::Stub> runtime_;
  std::unique_ptr<cri::ImageService::Stub> image_;
};

}  // namespace cocoon::testing
