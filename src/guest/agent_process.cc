// RunAgent (see agent_process.h).
#include "guest/agent_process.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "base/file.h"
#include "guest/agent_port.h"
#include "guest/child_process.h"
#include "guest/pid1.h"
#include "net/ttrpc_server.h"

namespace cocoon::guest {
namespace {

// Blocks SIGTERM/SIGINT for all threads; one thread waits for them and shuts the service down.
void HandleTermination(AgentService* service) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, service] {
    int sig = 0;
    sigwait(&set, &sig);
    service->Shutdown();
    std::_Exit(0);
  }).detach();
}

// The policy, image policy and initdata files the options name; as PID 1 without --initdata,
// the initdata QEMU delivers over fw_cfg (cocoon) or on a disk with kata's header.
Status ReadFiles(AgentOptions& o, bool pid1) {
  if (!o.policy_file.empty()) {
    ASSIGN_OR_RETURN(o.config.agent_policy, base::ReadFile(o.policy_file, "agent policy"));
  }
  if (!o.image_policy_file.empty()) {
    ASSIGN_OR_RETURN(o.config.image_policy_json,
                     base::ReadFile(o.image_policy_file, "image policy"));
  }
  if (!o.initdata_file.empty()) {
    ASSIGN_OR_RETURN(o.config.init_data_toml, base::ReadFile(o.initdata_file, "initdata"));
  } else if (pid1) {
    auto text = base::ReadFile(std::string(podproto::kInitDataFwCfgPath), "initdata (fw_cfg)");
    if (!text) text = pid1::ReadInitDataDisk();
    if (text) {
      o.config.init_data_toml = *text;
    } else if (text.error().code() != Code::kNotFound) {
      AgentLog(text.error().ToString());
    }
  }
  return Ok();
}

// The service's progress and log lines, the TEE and its attester.
void Wire(AgentOptions& o, bool pid1, const tee::AttesterTable& attesters) {
  o.config.init_daemon = pid1;
  o.config.progress = [](std::string_view line) {
    std::fprintf(stderr, "%s\n", podproto::ConsoleStepLine(line).c_str());
  };
  o.config.log = [](std::string_view line) { AgentLog(std::string(line)); };
  // The TEE also picks the default agent policy: allow-all only for the sample attester.
  o.config.tee = o.attester == "auto" ? attesters.Detect("sample") : o.attester;
  o.config.attester_factory = [table = &attesters, kind = o.config.tee,
                               a = tee::AttesterOptions{o.tpm_tcti, o.config.init_data_toml}] {
    auto attester = table->Create(kind, a);
    if (!attester) return tee::NewUnavailableAttester(kind, attester.error());
    return std::move(*attester);
  };
}

}  // namespace

void AgentLog(const std::string& line) { std::fprintf(stderr, "cocoon-agent: %s\n", line.c_str()); }

int RunAgent(AgentOptions o, bool pid1, const tee::AttesterTable& attesters) {
  if (auto st = ReadFiles(o, pid1); !st) return AgentLog(st.error().ToString()), 2;
  Wire(o, pid1, attesters);
  auto service = AgentService::Create(o.config);
  if (!service) return AgentLog(service.error().ToString()), 2;
  if (auto st = BecomeSubreaper(); !st) return AgentLog(st.error().ToString()), 2;
  HandleTermination(service->get());
  net::ttrpc::Server server;
  (*service)->RegisterWith(server);
  if (pid1) {
    std::thread([] {
      while (true) {
        ReapOrphans();
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }).detach();
    ServeVirtioPort(server, o.port, AgentLog);
  }
  if (!o.listen.starts_with("unix:")) return AgentLog("--listen must be unix:PATH"), 2;
  if (auto st = server.ListenUnix(o.listen.substr(5)); !st) {
    return AgentLog(st.error().ToString()), 2;
  }
  std::printf("cocoon-agent listening on %s\n", o.listen.c_str());
  std::fflush(stdout);
  if (auto st = server.AcceptLoop(); !st) return AgentLog(st.error().ToString()), 1;
  return 0;
}

}  // namespace cocoon::guest
