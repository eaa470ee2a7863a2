// Drives containerd's CRI the way a kubelet starts pods, for bench/cri_run.sh: N pods at once, each
// RunPodSandbox (runtime handler `cocoon`, initdata annotation) → PullImage → CreateContainer →
// StartContainer, timed until the container's first output line is in its CRI log. Prints one
// JSON line per pod; with --hold-seconds the pods stay up that long (for memory readings) before
// they are stopped and removed.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/cri_client.h"

namespace {

namespace fs = std::filesystem;
namespace cri = ::runtime::v1;
using Clock = std::chrono::steady_clock;

struct PodResult {
  std::string sandbox;
  double run_sandbox_ms = 0;
  double first_output_ms = 0;
  std::string error;
};

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

bool FileHas(const std::string& path, const std::string& text) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str().find(text) != std::string::npos;
}

PodResult StartPod(cocoon::testing::CriClient& c, int i, const std::string& image,
                   const std::string& initdata, const std::string& log_dir) {
  PodResult r;
  auto t0 = Clock::now();
  std::string name = "bench-" + std::to_string(i);
  cri::PodSandboxConfig config;
  config.mutable_metadata()->set_name(name);
  config.mutable_metadata()->set_uid(name + "-uid");
  config.mutable_metadata()->set_namespace_("default");
  config.set_hostname(name);
  config.set_log_directory(log_dir + "/" + name);
  fs::create_directories(log_dir + "/" + name + "/app");
  (*config.mutable_annotations())["io.katacontainers.config.hypervisor.cc_init_data"] = initdata;
  auto* ns = config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  ns->set_network(cri::POD);
  ns->set_pid(cri::CONTAINER);
  ns->set_ipc(cri::POD);
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = config;
  run.set_runtime_handler("cocoon");
  auto sandbox = c.RunPodSandbox(run);
  if (!sandbox) {
    r.error = sandbox.error().message();
    return r;
  }
  r.sandbox = sandbox->pod_sandbox_id();
  r.run_sandbox_ms = Ms(t0, Clock::now());
  cri::PullImageRequest pull;
  pull.mutable_image()->set_image(image);
  *pull.mutable_sandbox_config() = config;
  auto pulled = c.PullImage(pull);
  if (!pulled) {
    r.error = pulled.error().message();
    return r;
  }
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(r.sandbox);
  create.mutable_config()->mutable_metadata()->set_name("app");
  create.mutable_config()->mutable_image()->set_image(pulled->image_ref());
  create.mutable_config()->add_command("/bin/sh");
  create.mutable_config()->add_args("-c");
  create.mutable_config()->add_args("echo bench-output; sleep 3600");
  create.mutable_config()->set_log_path("app/0.log");
  *create.mutable_sandbox_config() = config;
  auto container = c.CreateContainer(create);
  if (!container) {
    r.error = container.error().message();
    return r;
  }
  cri::StartContainerRequest start;
  start.set_container_id(container->container_id());
  if (auto s = c.StartContainer(start); !s) {
    r.error = s.error().message();
    return r;
  }
  std::string log = log_dir + "/" + name + "/app/0.log";
  auto until = Clock::now() + std::chrono::minutes(10);
  while (!FileHas(log, "bench-output") && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!FileHas(log, "bench-output")) r.error = "no output in " + log;
  r.first_output_ms = Ms(t0, Clock::now());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("CRI pod start benchmark driver (bench/cri_run.sh)");
  std::string address, image, initdata, log_dir;
  int pods = 1;
  int hold_seconds = 0;
  app.add_option("--address", address, "containerd's socket")->required();
  app.add_option("--image", image, "image reference")->required();
  app.add_option("--initdata", initdata, "the initdata annotation value")->required();
  app.add_option("--log-dir", log_dir, "where the pods' CRI logs go")->required();
  app.add_option("--pods", pods, "pods started at once")->check(CLI::Range(1, 64));
  app.add_option("--hold-seconds", hold_seconds, "keep the pods this long before removing them");
  CLI11_PARSE(app, argc, argv);

  cocoon::testing::CriClient client(address, std::chrono::seconds(900));
  std::vector<PodResult> results(static_cast<size_t>(pods));
  auto t0 = Clock::now();
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < pods; ++i) {
      threads.emplace_back([&, i] {
        results[static_cast<size_t>(i)] = StartPod(client, i, image, initdata, log_dir);
      });
    }
    for (auto& t : threads) t.join();
  }
  double all_ms = Ms(t0, Clock::now());
  int failed = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    failed += r.error.empty() ? 0 : 1;
    std::printf("{\"pod\": %zu, \"run_pod_sandbox_ms\": %.0f, \"first_output_ms\": %.0f%s%s%s}\n", i,
                r.run_sandbox_ms, r.first_output_ms, r.error.empty() ? "" : ", \"error\": \"",
                r.error.empty() ? "" : r.error.substr(0, 300).c_str(), r.error.empty() ? "" : "\"");
  }
  std::printf("{\"pods\": %d, \"all_running_ms\": %.0f, \"failed\": %d}\n", pods, all_ms, failed);
  std::fflush(stdout);
  if (hold_seconds > 0) std::this_thread::sleep_for(std::chrono::seconds(hold_seconds));
  for (const auto& r : results) {
    if (r.sandbox.empty()) continue;
    cri::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(r.sandbox);
    (void)client.StopPodSandbox(stop);
    cri::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(r.sandbox);
    (void)client.RemovePodSandbox(remove);
  }
  return failed == 0 ? 0 : 1;
}
