// Vtpm (see vtpm.h): swtpm's lifecycle, and the AK of a persistent vTPM state.
#include "runtime/vtpm.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "base/file.h"
#include "base/subprocess.h"
#include "net/loopback.h"
#include "runtime/owned_process.h"
#include "tee/tpm/attester.h"

namespace cocoon::runtime {

namespace fs = std::filesystem;

namespace {

Result<std::string> MakeTempDir() {
  std::string tmpl = (fs::temp_directory_path() / "cocoon-vtpm-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return Internal("cannot create a vTPM directory");
  return tmpl;
}

// Creates a persistent state the first time: swtpm_setup manufactures the TPM (seeds, EK) and
// activates the SHA-256 PCR bank, the one the agent quotes and extends.
Status PrepareState(const VtpmOptions& o) {
  std::error_code ec;
  fs::create_directories(o.state_dir, ec);
  if (ec) return Internal("--vtpm-state " + o.state_dir + ": " + ec.message());
  fs::permissions(o.state_dir, fs::perms::owner_all, ec);
  if (fs::exists(fs::path(o.state_dir) / "tpm2-00.permall")) return Ok();
  if (!fs::exists(o.swtpm_setup)) {
    return NotFound("swtpm_setup is not installed (scripts/setup installs swtpm-tools)");
  }
  ASSIGN_OR_RETURN(base::CommandOutput r,
                   base::RunCommand({o.swtpm_setup, "--tpm2", "--tpmstate", o.state_dir,
                                     "--createek", "--pcr-banks", "sha256", "--not-overwrite"},
                                    {.merge_stderr = true}));
  if (r.exit_code != 0) {
    return Unavailable("swtpm_setup could not create the vTPM state in " + o.state_dir + ": " +
                       r.out);
  }
  return Ok();
}

Result<std::string> ReadLog(const std::string& path) {
  auto log = base::ReadFile(path, "swtpm log");
  return log ? *log : std::string();
}

}  // namespace

Result<std::unique_ptr<Vtpm>> Vtpm::Start(const VtpmOptions& o) {
  if (!fs::exists(o.swtpm)) return NotFound("swtpm is not installed (scripts/setup installs it)");
  if (!o.state_dir.empty()) TRY(PrepareState(o));
  ASSIGN_OR_RETURN(std::string dir, MakeTempDir());
  std::unique_ptr<Vtpm> v(new Vtpm(dir, o.state_dir.empty() ? dir : o.state_dir));
  ASSIGN_OR_RETURN(auto p,
                   internal::OwnedProcess::Spawn(
                       {o.swtpm, "socket", "--tpm2", "--tpmstate", "dir=" + v->state_dir_, "--ctrl",
                        "type=unixio,path=" + v->socket(), "--flags", "startup-clear"},
                       dir + "/swtpm.log"));
  v->process_ = std::make_unique<internal::OwnedProcess>(std::move(p));
  for (int i = 0; i < 200 && !fs::exists(v->socket()); ++i) {
    if (v->process_->Wait(std::chrono::milliseconds(25))) break;
  }
  if (!fs::exists(v->socket())) {
    return Unavailable("swtpm did not start on " + v->state_dir_ + ": " +
                       ReadLog(dir + "/swtpm.log").value_or(""));
  }
  return v;
}

Vtpm::Vtpm(std::string dir, std::string state_dir)
    : dir_(std::move(dir)), state_dir_(std::move(state_dir)) {}

pid_t Vtpm::pid() const { return process_ ? process_->pid() : -1; }

Vtpm::~Vtpm() {
  if (process_ && !process_->exited()) {  // SIGTERM first: swtpm writes a persistent state out
    process_->Signal(SIGTERM);
    (void)process_->Wait(std::chrono::seconds(2));
  }
  process_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);  // the state too when it lives there
}

Result<std::string> VtpmAkPublicPem(const VtpmOptions& o) {
  if (o.state_dir.empty()) {
    return InvalidArgument("the AK of a vTPM is stable only with a persistent state (--state DIR)");
  }
  if (!fs::exists(o.swtpm)) return NotFound("swtpm is not installed (scripts/setup installs it)");
  TRY(PrepareState(o));
  ASSIGN_OR_RETURN(std::string dir, MakeTempDir());
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  // tpm2-tss's swtpm TCTI talks to the TPM on `port` and to swtpm's control channel on port+1.
  uint16_t port = 0;
  for (int i = 0; i < 20 && port == 0; ++i) {
    ASSIGN_OR_RETURN(uint16_t p, net::FreeLoopbackPort());
    if (p < 65535 && !net::LoopbackPortAccepts(p + 1)) port = p;
  }
  if (port == 0) return Unavailable("no two adjacent free loopback ports for swtpm");
  const std::string log = dir + "/swtpm.log";
  ASSIGN_OR_RETURN(auto swtpm,
                   internal::OwnedProcess::Spawn(
                       {o.swtpm, "socket", "--tpm2", "--tpmstate", "dir=" + o.state_dir, "--server",
                        "type=tcp,port=" + std::to_string(port) + ",bindaddr=127.0.0.1", "--ctrl",
                        "type=tcp,port=" + std::to_string(port + 1) + ",bindaddr=127.0.0.1",
                        "--flags", "not-need-init,startup-clear"},
                       log));
  for (int i = 0; i < 200 && !net::LoopbackPortAccepts(port); ++i) {
    if (swtpm.Wait(std::chrono::milliseconds(25))) break;
  }
  if (!net::LoopbackPortAccepts(port)) {
    return Unavailable("swtpm did not start on " + o.state_dir + ": " + ReadLog(log).value_or(""));
  }
  // The same options as the agent's attester (tee/tpm/attester_registration.cc) but the TCTI.
  tee::tpm::AttesterOptions ao;
  ao.tcti = "swtpm:host=127.0.0.1,port=" + std::to_string(port);
  ao.event_log_path = "";
  ASSIGN_OR_RETURN(auto attester, tee::tpm::NewAttester(ao));
  std::string pem = attester->ak_public_pem();
  attester.reset();
  swtpm.Signal(SIGTERM);
  (void)swtpm.Wait(std::chrono::seconds(2));
  return pem;
}

}  // namespace cocoon::runtime
