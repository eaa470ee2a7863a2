// Vtpm (see vtpm.h): swtpm's lifecycle.
#include "runtime/vtpm.h"

#include <stdlib.h>

#include <filesystem>

#include "base/file.h"
#include "runtime/owned_process.h"

namespace cocoon::runtime {

namespace fs = std::filesystem;

Result<std::unique_ptr<Vtpm>> Vtpm::Start(const std::string& bin) {
  if (!fs::exists(bin)) return NotFound("swtpm is not installed (scripts/setup installs it)");
  std::string tmpl = (fs::temp_directory_path() / "cocoon-vtpm-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return Internal("cannot create a vTPM directory");
  std::unique_ptr<Vtpm> v(new Vtpm(tmpl));
  ASSIGN_OR_RETURN(auto p, internal::OwnedProcess::Spawn(
                               {bin, "socket", "--tpm2", "--tpmstate", "dir=" + tmpl, "--ctrl",
                                "type=unixio,path=" + v->socket(), "--flags", "startup-clear"},
                               tmpl + "/swtpm.log"));
  v->process_ = std::make_unique<internal::OwnedProcess>(std::move(p));
  for (int i = 0; i < 200 && !fs::exists(v->socket()); ++i) {
    if (v->process_->Wait(std::chrono::milliseconds(25))) break;
  }
  if (!fs::exists(v->socket())) {
    auto log = base::ReadFile(tmpl + "/swtpm.log", "swtpm log");
    return Unavailable("swtpm did not start: " + (log ? *log : std::string()));
  }
  return v;
}

Vtpm::Vtpm(std::string dir) : dir_(std::move(dir)) {}

pid_t Vtpm::pid() const { return process_ ? process_->pid() : -1; }

Vtpm::~Vtpm() {
  process_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace cocoon::runtime
