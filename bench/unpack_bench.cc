// Unpack throughput (issue 4): a 64 MiB-uncompressed gzip layer (512 files of 128 KiB, ~3:1
// compressible, in 16 directories) unpacked by cocoon's pipeline — gunzip on one thread, a
// bounded Pipe, UnpackLayer on another — side by side with `tar -xzf` of the same file, same
// run. Run: build/bench/unpack_bench [--benchmark_repetitions=3]. Bytes/s are uncompressed.
#include <archive.h>
#include <archive_entry.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "base/bytes.h"
#include "image/layer/decompress.h"
#include "image/layer/pipe.h"
#include "image/layer/unpack.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace cocoon;         // NOLINT
using namespace cocoon::image;  // NOLINT

constexpr size_t kFileBytes = 128 * 1024;
constexpr int kFiles = 512;
constexpr int64_t kLayerBytes = int64_t{kFileBytes} * kFiles;

class FileSink final : public Sink {
 public:
  explicit FileSink(const std::string& path) : out_(path, std::ios::binary) {}
  Status Write(std::span<const uint8_t> d) override {
    out_.write(reinterpret_cast<const char*>(d.data()), static_cast<std::streamsize>(d.size()));
    return Ok();
  }
  Status Finish() override {
    out_.close();
    return Ok();
  }

 private:
  std::ofstream out_;
};

la_ssize_t ToSink(archive*, void* sink, const void* buf, size_t n) {
  auto st = static_cast<Sink*>(sink)->Write({static_cast<const uint8_t*>(buf), n});
  return st ? static_cast<la_ssize_t>(n) : -1;
}

// Words from a small vocabulary: gzip -1 gets roughly 3:1, like binaries and text mixed.
std::string FileContent(std::mt19937& rng) {
  static const char* kWords[] = {"alpha", "bravo", "charlie", "delta",  "echo", "foxtrot",
                                 "golf",  "hotel", "india",   "juliet", "kilo", "lima"};
  std::string s;
  s.reserve(kFileBytes);
  while (s.size() < kFileBytes) {
    if (rng() % 4 == 0) {
      s.push_back(static_cast<char>(rng()));
    } else {
      s += kWords[rng() % 12];
    }
  }
  s.resize(kFileBytes);
  return s;
}

const std::string& LayerPath() {
  static const std::string path = [] {
    std::string dir = (fs::temp_directory_path() / "cocoon-unpack-bench").string();
    fs::create_directories(dir);
    std::string p = dir + "/layer.tar.gz";
    FileSink file(p);
    CompressingSink gz(Compression::kGzip, &file, 1);
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open(a, &gz, nullptr, ToSink, nullptr);
    std::mt19937 rng(1);
    for (int i = 0; i < kFiles; ++i) {
      std::string content = FileContent(rng);
      archive_entry* e = archive_entry_new();
      std::string name = "d" + std::to_string(i % 16) + "/f" + std::to_string(i);
      archive_entry_copy_pathname(e, name.c_str());
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0644);
      archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
      archive_write_header(a, e);
      archive_write_data(a, content.data(), content.size());
      archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    (void)gz.Finish();
    return p;
  }();
  return path;
}

std::string FreshDir(const char* tag) {
  std::string d = (fs::temp_directory_path() / "cocoon-unpack-bench" / tag).string();
  std::error_code ec;
  fs::remove_all(d, ec);
  fs::create_directories(d);
  return d;
}

// The pull pipeline's tail: file chunks → gunzip (this thread) → Pipe → UnpackLayer (thread).
Status CocoonUnpack(const std::string& layer, const std::string& dir) {
  int root = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  Pipe pipe(1 << 20);
  Result<UnpackStats> stats = Internal("not run");
  std::thread unpacker([&] {
    stats = UnpackLayer(pipe.reader(), root);
    if (!stats) pipe.Abort(stats.error());
  });
  DecompressingSink gunzip(Compression::kGzip, &pipe.writer());
  std::ifstream in(layer, std::ios::binary);
  std::vector<char> buf(256 * 1024);
  Status st = Ok();
  while (st && in.read(buf.data(), static_cast<std::streamsize>(buf.size())).gcount() > 0) {
    st = gunzip.Write(AsBytes(std::string_view(buf.data(), static_cast<size_t>(in.gcount()))));
  }
  if (st) st = gunzip.Finish();
  if (!st) pipe.Abort(st.error());
  unpacker.join();
  close(root);
  if (!st) return st;
  if (!stats) return std::unexpected(stats.error());
  return Ok();
}

void BM_CocoonUnpackGzip(benchmark::State& state) {
  const std::string& layer = LayerPath();
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = FreshDir("cocoon");
    state.ResumeTiming();
    if (auto st = CocoonUnpack(layer, dir); !st) state.SkipWithError(st.error().ToString().c_str());
  }
  state.SetBytesProcessed(state.iterations() * kLayerBytes);
}

void BM_TarXzf(benchmark::State& state) {
  const std::string& layer = LayerPath();
  for (auto _ : state) {
    state.PauseTiming();
    std::string dir = FreshDir("tar");
    state.ResumeTiming();
    std::vector<std::string> args = {"/usr/bin/tar", "-xzf", layer, "-C", dir};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid;
    int status = -1;
    if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0 ||
        waitpid(pid, &status, 0) < 0 || status != 0) {
      state.SkipWithError("tar -xzf failed");
    }
  }
  state.SetBytesProcessed(state.iterations() * kLayerBytes);
}

BENCHMARK(BM_CocoonUnpackGzip)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);
BENCHMARK(BM_TarXzf)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove_all(fs::temp_directory_path() / "cocoon-unpack-bench", ec);
  return 0;
}
