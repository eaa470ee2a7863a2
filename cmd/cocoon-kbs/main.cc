// cocoon-kbs: Key Broker Service + built-in Attestation Service, wire-compatible with Trustee's
// KBS protocol 0.4.0. Reads a Trustee-style TOML config (--config-file); the TEEs it can verify
// are the built-in ones (tee/builtin.h), enabled as the config says (kbs/verifiers.h).
#include <CLI/CLI.hpp>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "base/logging.h"
#include "kbs/config.h"
#include "kbs/service.h"
#include "kbs/verifiers.h"
#include "net/http_server.h"
#include "tee/builtin.h"

namespace {

using cocoon::Result;

// Command-line overrides of [attestation_service.verifier_config.tdx_verifier].
struct TdxFlags {
  std::string collateral;
  std::string root;
  bool accept_out_of_date = false;
};

void ApplyTdxFlags(const TdxFlags& flags, cocoon::tee::TdxVerifierSettings& tdx) {
  if (!flags.collateral.empty()) tdx.collateral = flags.collateral;
  if (!flags.root.empty()) tdx.root = flags.root;
  if (flags.accept_out_of_date) tdx.accept_out_of_date = true;
}

Result<std::pair<std::string, uint16_t>> SplitSocket(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return cocoon::InvalidArgument("socket must be ip:port: " + s);
  std::string host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = std::atoi(s.substr(colon + 1).c_str());
  if (port < 0 || port > 65535) return cocoon::InvalidArgument("bad port in socket " + s);
  return std::make_pair(host, static_cast<uint16_t>(port));
}

int Run(const cocoon::kbs::KbsConfig& config) {
  cocoon::tee::VerifierTable tees;
  cocoon::tee::RegisterBuiltinVerifiers(tees);
  cocoon::tee::VerifierRegistry verifiers;
  if (auto st =
          cocoon::kbs::InstallVerifiers(tees, config.attestation_service.verifiers, verifiers);
      !st) {
    spdlog::error("attestation_service: {}", st.error().ToString());
    return 1;
  }
  cocoon::kbs::KvStoreRegistry stores;
  cocoon::kbs::RegisterBuiltinKvStores(stores);

  auto service = cocoon::kbs::KbsService::Create(config, &verifiers, stores);
  if (!service) {
    spdlog::error("cannot start cocoon-kbs: {}", service.error().ToString());
    return 1;
  }
  auto handler = [svc = service->get()](const cocoon::net::HttpRequest& r) {
    return svc->Handle(r);
  };
  std::vector<std::unique_ptr<cocoon::net::HttpServer>> servers;
  for (const auto& socket : config.http_server.sockets) {
    auto hp = SplitSocket(socket);
    if (!hp) {
      spdlog::error("{}", hp.error().ToString());
      return 1;
    }
    cocoon::net::HttpServerOptions o;
    o.address = hp->first;
    o.port = hp->second;
    o.threads = config.http_server.worker_count > 0
                    ? config.http_server.worker_count
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    o.body_limit = config.http_server.payload_request_size_mib * 1024 * 1024;
    o.max_connections = config.http_server.max_connections;
    o.max_connections_per_ip = config.http_server.max_connections_per_ip;
    o.access_log = config.access_log;
    if (!config.http_server.insecure_http) {
      o.tls_cert_file = config.http_server.certificate;
      o.tls_key_file = config.http_server.private_key;
    }
    auto server = std::make_unique<cocoon::net::HttpServer>(o, handler);
    if (auto st = server->Start(); !st) {
      spdlog::error("cannot listen on {}: {}", socket, st.error().ToString());
      return 1;
    }
    std::printf("cocoon-kbs listening on %s://%s:%u\n",
                config.http_server.insecure_http ? "http" : "https", o.address.c_str(),
                server->port());
    std::fflush(stdout);
    servers.push_back(std::move(server));
  }

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread sweeper([&] {
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::seconds(60), [&] { return stopping; })) {
      (*service)->SweepSessions();
    }
  });
  servers.front()->Wait(/*handle_signals=*/true);
  spdlog::info("cocoon-kbs shutting down");
  for (auto& s : servers) s->Stop();
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  cv.notify_all();
  sweeper.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cocoon-kbs: Key Broker Service with built-in Attestation Service (Trustee KBS "
      "protocol 0.4.0)"};
  std::string config_file, log_level = "info";
  app.add_option("-c,--config-file", config_file,
                 "TOML configuration file (Trustee KBS format; see docs/config.md)")
      ->envname("KBS_CONFIG_FILE");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");
  TdxFlags tdx;
  app.add_option("--tdx-collateral", tdx.collateral,
                 "TDX DCAP collateral: a directory (docs/evidence.md) or a PCCS/PCS base URL "
                 "(overrides tdx_verifier.collateral)");
  app.add_option("--tdx-root", tdx.root,
                 "TDX: PEM or DER replacing the built-in Intel SGX Root CA (overrides "
                 "tdx_verifier.root)");
  app.add_flag("--tdx-accept-out-of-date", tdx.accept_out_of_date,
               "TDX: accept TCB status OutOfDate (reported in the tcb_status claim)");
  app.set_version_flag("--version", "cocoon-kbs 0.1.0");
  CLI11_PARSE(app, argc, argv);
  cocoon::base::InitLogging(log_level);

  auto config = config_file.empty()
                    ? Result<cocoon::kbs::KbsConfig>(cocoon::kbs::DefaultKbsConfig())
                    : cocoon::kbs::LoadKbsConfig(config_file);
  if (!config) {
    spdlog::error("configuration: {}", config.error().ToString());
    return 1;
  }
  if (log_level == "info" && config->log_level != "info")
    cocoon::base::SetLogLevel(config->log_level);
  ApplyTdxFlags(tdx, config->attestation_service.verifiers.tdx);
  return Run(*config);
}
