// Test fixtures for image tests: a real docker-registry on a free loopback port (stopped by pid)
// and skopeo.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "image/digest.h"
#include "net/http_client.h"
#include "tests/harness.h"

namespace cocoon::image {

// Polls until an HTTP server answers on 127.0.0.1:port (any status).
inline bool WaitHttp(int port) {
  net::HttpClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(500);
  o.timeout = std::chrono::milliseconds(1000);
  net::HttpClient http(o);
  for (int i = 0; i < 200; ++i) {
    if (http.Get("http://127.0.0.1:" + std::to_string(port) + "/v2/")) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// docker-registry on a free port with storage in `dir`; `auth_yaml` is appended to its config.
class Registry {
 public:
  Registry(const harness::TempDir& dir, const std::string& auth_yaml = "")
      : port_(harness::FreePort()) {
    EXPECT_TRUE(std::filesystem::exists("/usr/bin/docker-registry"))
        << "docker-registry is not installed";
    storage_ = dir.File("registry-data");
    dir.Write("registry.yml",
              "version: 0.1\nlog: {level: warn}\nstorage: {filesystem: "
              "{rootdirectory: " +
                  storage_ +
                  "}, delete: {enabled: true}}\n"
                  "http: {addr: 127.0.0.1:" +
                  std::to_string(port_) + "}\n" + auth_yaml);
    process_ = std::make_unique<harness::Process>(
        std::vector<std::string>{"/usr/bin/docker-registry", "serve", dir.File("registry.yml")});
    EXPECT_TRUE(WaitHttp(port_)) << harness::ReadFile(process_->stderr_path());
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string BlobData(const Digest& d) const {
    return storage_ + "/docker/registry/v2/blobs/sha256/" + d.hex.substr(0, 2) + "/" + d.hex +
           "/data";
  }

 private:
  int port_;
  std::string storage_;
  std::unique_ptr<harness::Process> process_;
};

inline harness::CommandResult Skopeo(std::vector<std::string> args) {
  EXPECT_TRUE(std::filesystem::exists("/usr/bin/skopeo")) << "skopeo is not installed";
  args.insert(args.begin(), "/usr/bin/skopeo");
  return harness::Run(args);
}

}  // namespace cocoon::image
