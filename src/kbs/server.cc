// KbsServer (see server.h).
#include "kbs/server.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "kbs/service.h"
#include "net/http.h"

namespace cocoon::kbs {

Result<std::pair<std::string, uint16_t>> SplitSocket(const std::string& s) {
  auto [host, port] = net::SplitHostPort(s);
  if (!port) {
    bool has_port = s.rfind(':') != std::string::npos && s.back() != ']';
    return InvalidArgument((has_port ? "bad port in socket " : "socket must be ip:port: ") + s);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, *port);
}

net::HttpServerOptions ListenerOptions(const KbsConfig& config, std::string address,
                                       uint16_t port) {
  const HttpServerConfig& h = config.http_server;
  net::HttpServerOptions o;
  o.address = std::move(address);
  o.port = port;
  o.threads = h.worker_count > 0
                  ? h.worker_count
                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.body_limit = h.payload_request_size_mib * 1024 * 1024;
  o.max_connections = h.max_connections;
  o.max_connections_per_ip = h.max_connections_per_ip;
  o.access_log = config.access_log;
  if (!h.insecure_http) {
    o.tls_cert_file = h.certificate;
    o.tls_key_file = h.private_key;
  }
  return o;
}

Result<std::unique_ptr<KbsServer>> KbsServer::Start(const KbsConfig& config,
                                                    const tee::VerifierRegistry* verifiers) {
  KvStoreRegistry stores;
  RegisterBuiltinKvStores(stores);
  std::unique_ptr<KbsServer> s(new KbsServer());
  auto service = KbsService::Create(config, verifiers, stores);
  if (!service) {
    return std::unexpected(
        Error(service.error().code(), "cannot start cocoon-kbs: " + service.error().ToString()));
  }
  s->service_ = std::move(*service);
  auto handler = [svc = s->service_.get()](const net::HttpRequest& r) { return svc->Handle(r); };
  for (const auto& socket : config.http_server.sockets) {
    auto hp = SplitSocket(socket);
    if (!hp) return std::unexpected(Error(hp.error().code(), hp.error().ToString()));
    auto server =
        std::make_unique<net::HttpServer>(ListenerOptions(config, hp->first, hp->second), handler);
    if (auto st = server->Start(); !st) {
      return std::unexpected(
          Error(st.error().code(), "cannot listen on " + socket + ": " + st.error().ToString()));
    }
    std::printf("cocoon-kbs listening on %s://%s:%u\n",
                config.http_server.insecure_http ? "http" : "https", hp->first.c_str(),
                server->port());
    std::fflush(stdout);
    s->servers_.push_back(std::move(server));
  }
  s->sweeper_ = std::thread([p = s.get()] { p->Sweep(); });
  return s;
}

KbsServer::~KbsServer() { Stop(); }

std::vector<uint16_t> KbsServer::ports() const {
  std::vector<uint16_t> out;
  for (const auto& s : servers_) out.push_back(s->port());
  return out;
}

void KbsServer::Sweep() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::seconds(60), [&] { return stopping_; })) {
    service_->SweepSessions();
  }
}

void KbsServer::Wait(bool handle_signals) {
  if (!servers_.empty()) servers_.front()->Wait(handle_signals);
}

void KbsServer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (auto& s : servers_) s->Stop();
  cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

}  // namespace cocoon::kbs
