// The services `cocoon demo` runs on this machine for its one pod: a work directory with fresh
// keys (the KBS administrator's Ed25519 pair, the image signer's P-256 pair), cocoon-kbs with
// SQLite storage and the sample TEE allowed, and docker-registry, both on free loopback ports.
// Everything is stopped (and the directory removed unless kept) with the object. Trusts the
// binaries it is given.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"

namespace cocoon::runtime {

namespace internal {
class OwnedProcess;
}

struct DemoEnvOptions {
  std::string kbs_binary;  // cocoon-kbs
  std::string registry_binary = "/usr/bin/docker-registry";
  bool keep = false;  // keep the work directory (keys, logs, policy)
};

class DemoEnv {
 public:
  explicit DemoEnv(DemoEnvOptions options);
  ~DemoEnv();
  DemoEnv(const DemoEnv&) = delete;
  DemoEnv& operator=(const DemoEnv&) = delete;

  // Creates the work directory (cocoon-demo-* under the temp directory), writes admin.key/.pub
  // and cosign.key/.pub (0600), starts the KBS and the registry and waits (up to 10 s each)
  // until they serve. Prints "demo: …" lines naming them on stderr. NotFound for a missing
  // binary; Unavailable with the service's log when it does not start; Internal otherwise.
  Status Start();

  const std::string& dir() const { return dir_; }
  const std::string& kbs_url() const { return kbs_url_; }  // http://127.0.0.1:PORT
  std::string registry() const;                            // 127.0.0.1:PORT
  std::string File(const std::string& name) const { return dir_ + "/" + name; }

 private:
  Status KeyPairs();
  Status StartKbs();
  Status StartRegistry();

  DemoEnvOptions options_;
  std::string dir_;
  std::string kbs_url_;
  uint16_t registry_port_ = 0;
  std::unique_ptr<internal::OwnedProcess> kbs_, registry_;
};

// Writes `text` to `path` (truncating), readable by the owner only (0600). Internal if it cannot
// be written.
Status WriteDemoFile(const std::string& path, std::string_view text);

}  // namespace cocoon::runtime
