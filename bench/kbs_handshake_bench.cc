// KBS handshake benchmark: starts the real cocoon-kbs on a free loopback port, measures full
// RCAR handshakes/s with N concurrent keep-alive clients (peak), then latency at half of peak,
// the server's peak RSS, and the in-process crypto ceiling. Prints a Markdown report.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench/crypto_ceiling.h"
#include "bench/load_generator.h"
#include "net/http_client.h"

namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

long PeakRssKib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

void Report(const char* name, const cocoon::bench::LoadResult& r) {
  std::printf("| %s | %.0f | %.2f | %.2f | %llu |\n", name, r.rate(), r.Percentile(50),
              r.Percentile(99), static_cast<unsigned long long>(r.errors));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"KBS full-handshake benchmark (see docs/PERFORMANCE.md)"};
  std::string kbs_bin = std::string(COCOON_BINARY_DIR) + "/cmd/cocoon-kbs";
  int clients = 64, seconds = 10, workers = 2;
  app.add_option("--kbs-binary", kbs_bin);
  app.add_option("--clients", clients)->capture_default_str();
  app.add_option("--seconds", seconds, "measured seconds per phase")->capture_default_str();
  app.add_option("--workers", workers, "server worker threads")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  int port = FreePort();
  std::string dir = "/tmp/cocoon-bench-" + std::to_string(getpid());
  std::string cfg = dir + "/kbs.toml";
  std::filesystem::create_directories(dir);
  std::ofstream(cfg)
      << "access_log = false\nlog_level = \"warn\"\n[http_server]\nsockets = [\"127.0.0.1:" << port
      << "\"]\ninsecure_http = true\nworker_count = " << workers
      << "\n[attestation_service]\ntype = \"coco_as_builtin\"\n"
      // The load generator attests with the sample TEE (no hardware here); it proves nothing,
      // so the KBS accepts it only when told to.
      << "insecure_sample_tee = true\n"
      << "[admin]\nauthorization_mode = \"InsecureAllowAll\"\n"
      << "[storage_backend]\nstorage_type = \"Memory\"\n"
      << "[policy_engine]\nbuiltin = \"allow_all\"\n";
  pid_t pid = fork();
  if (pid == 0) {
    execl(kbs_bin.c_str(), kbs_bin.c_str(), "--config-file", cfg.c_str(), "--log-level", "warn",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  cocoon::net::HttpClient http;
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    auto r = http.Get(base + "/healthz");
    up = r && r->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!up || !http.Post(base + "/kbs/v0/resource/default/key/1", std::string(32, 'k'))) {
    std::fprintf(stderr, "cocoon-kbs did not come up\n");
    kill(pid, SIGKILL);
    return 1;
  }

  auto cost = cocoon::bench::MeasureCryptoCost();
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  cocoon::bench::LoadOptions lo;
  lo.port = static_cast<uint16_t>(port);
  lo.clients = clients;
  lo.duration = std::chrono::seconds(seconds);
  auto peak = cocoon::bench::RunLoad(lo);
  lo.target_rate = peak.rate() / 2;
  auto half = cocoon::bench::RunLoad(lo);
  long rss = PeakRssKib(pid);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);

  std::printf(
      "## KBS full handshake (auth + attest + resource), %d clients, %d server workers, %d "
      "cores\n\n",
      clients, workers, cores);
  std::printf("| phase | handshakes/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|\n");
  Report("peak (closed loop)", peak);
  Report("half of peak (paced)", half);
  double ceiling = cost.Ceiling(cores);
  std::printf(
      "\ncrypto per handshake: %.1f us (one core) => ceiling %.0f handshakes/s on %d cores\n",
      cost.median_us, ceiling, cores);
  std::printf("throughput / ceiling: %.1f%%\n", ceiling > 0 ? 100.0 * peak.rate() / ceiling : 0);
  std::printf("server peak RSS (VmHWM): %.1f MiB\n", rss / 1024.0);
  return peak.errors == 0 && half.errors == 0 ? 0 : 2;
}
