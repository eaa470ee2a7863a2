// CRI v1 test client (see cri_client.h).
#include "tests/cri_client.h"

#include <grpcpp/grpcpp.h>

namespace cocoon::testing {
namespace {

// The reverse of the snapshotter's ToGrpc; codes cocoon lacks go to the nearest one.
Code FromGrpcCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return Code::kInvalidArgument;
    case grpc::StatusCode::UNAUTHENTICATED:
      return Code::kUnauthenticated;
    case grpc::StatusCode::PERMISSION_DENIED:
      return Code::kPermissionDenied;
    case grpc::StatusCode::NOT_FOUND:
      return Code::kNotFound;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return Code::kFailedPrecondition;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return Code::kResourceExhausted;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Code::kDeadlineExceeded;
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNAVAILABLE:
      return Code::kUnavailable;
    case grpc::StatusCode::DATA_LOSS:
      return Code::kDataLoss;
    case grpc::StatusCode::UNIMPLEMENTED:
      return Code::kUnimplemented;
    default:
      return Code::kInternal;  // UNKNOWN, INTERNAL; OK never gets here
  }
}

}  // namespace

CriClient::CriClient(const std::string& socket_path, std::chrono::seconds deadline)
    : deadline_(deadline) {
  auto channel = grpc::CreateChannel("unix:" + socket_path, grpc::InsecureChannelCredentials());
  runtime_ = cri::RuntimeService::NewStub(channel);
  image_ = cri::ImageService::NewStub(channel);
}

template <typename Stub, typename Req, typename Resp>
Result<Resp> CriClient::Call(const char* method, Stub& stub,
                             grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Req&, Resp*),
                             const Req& req) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline_);
  Resp resp;
  grpc::Status status = (stub.*rpc)(&ctx, req, &resp);
  if (!status.ok()) {
    return MakeError(FromGrpcCode(status.error_code()),
                     std::string(method) + ": " + status.error_message());
  }
  return resp;
}

Result<cri::VersionResponse> CriClient::Version(const cri::VersionRequest& req) {
  return Call("Version", *runtime_, &cri::RuntimeService::Stub::Version, req);
}

Result<cri::RunPodSandboxResponse> CriClient::RunPodSandbox(const cri::RunPodSandboxRequest& req) {
  return Call("RunPodSandbox", *runtime_, &cri::RuntimeService::Stub::RunPodSandbox, req);
}

Result<cri::StopPodSandboxResponse> CriClient::StopPodSandbox(
    const cri::StopPodSandboxRequest& req) {
  return Call("StopPodSandbox", *runtime_, &cri::RuntimeService::Stub::StopPodSandbox, req);
}

Result<cri::RemovePodSandboxResponse> CriClient::RemovePodSandbox(
    const cri::RemovePodSandboxRequest& req) {
  return Call("RemovePodSandbox", *runtime_, &cri::RuntimeService::Stub::RemovePodSandbox, req);
}

Result<cri::PodSandboxStatusResponse> CriClient::PodSandboxStatus(
    const cri::PodSandboxStatusRequest& req) {
  return Call("PodSandboxStatus", *runtime_, &cri::RuntimeService::Stub::PodSandboxStatus, req);
}

Result<cri::ListPodSandboxResponse> CriClient::ListPodSandbox(
    const cri::ListPodSandboxRequest& req) {
  return Call("ListPodSandbox", *runtime_, &cri::RuntimeService::Stub::ListPodSandbox, req);
}

Result<cri::CreateContainerResponse> CriClient::CreateContainer(
    const cri::CreateContainerRequest& req) {
  return Call("CreateContainer", *runtime_, &cri::RuntimeService::Stub::CreateContainer, req);
}

Result<cri::StartContainerResponse> CriClient::StartContainer(
    const cri::StartContainerRequest& req) {
  return Call("StartContainer", *runtime_, &cri::RuntimeService::Stub::StartContainer, req);
}

Result<cri::StopContainerResponse> CriClient::StopContainer(const cri::StopContainerRequest& req) {
  return Call("StopContainer", *runtime_, &cri::RuntimeService::Stub::StopContainer, req);
}

Result<cri::RemoveContainerResponse> CriClient::RemoveContainer(
    const cri::RemoveContainerRequest& req) {
  return Call("RemoveContainer", *runtime_, &cri::RuntimeService::Stub::RemoveContainer, req);
}

Result<cri::ListContainersResponse> CriClient::ListContainers(
    const cri::ListContainersRequest& req) {
  return Call("ListContainers", *runtime_, &cri::RuntimeService::Stub::ListContainers, req);
}

Result<cri::ContainerStatusResponse> CriClient::ContainerStatus(
    const cri::ContainerStatusRequest& req) {
  return Call("ContainerStatus", *runtime_, &cri::RuntimeService::Stub::ContainerStatus, req);
}

Result<cri::ExecSyncResponse> CriClient::ExecSync(const cri::ExecSyncRequest& req) {
  return Call("ExecSync", *runtime_, &cri::RuntimeService::Stub::ExecSync, req);
}

Result<cri::StatusResponse> CriClient::Status(const cri::StatusRequest& req) {
  return Call("Status", *runtime_, &cri::RuntimeService::Stub::Status, req);
}

Result<cri::ListImagesResponse> CriClient::ListImages(const cri::ListImagesRequest& req) {
  return Call("ListImages", *image_, &cri::ImageService::Stub::ListImages, req);
}

Result<cri::ImageStatusResponse> CriClient::ImageStatus(const cri::ImageStatusRequest& req) {
  return Call("ImageStatus", *image_, &cri::ImageService::Stub::ImageStatus, req);
}

Result<cri::PullImageResponse> CriClient::PullImage(const cri::PullImageRequest& req) {
  return Call("PullImage", *image_, &cri::ImageService::Stub::PullImage, req);
}

Result<cri::RemoveImageResponse> CriClient::RemoveImage(const cri::RemoveImageRequest& req) {
  return Call("RemoveImage", *image_, &cri::ImageService::Stub::RemoveImage, req);
}

}  // namespace cocoon::testing
