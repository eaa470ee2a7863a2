// Standalone driver for fuzz targets when libFuzzer is not in use: replays every file of the
// seed corpus, then runs a fixed number of deterministic byte-level mutations of each seed
// (flip, insert, delete, splice). Under -DCOCOON_FUZZ=ON the real libFuzzer main is used instead.
// Usage: <target> <corpus-dir> [mutations-per-seed]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<uint8_t> Mutate(const std::vector<uint8_t>& in, std::mt19937& rng,
                            const std::vector<std::vector<uint8_t>>& seeds) {
  std::vector<uint8_t> out = in;
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    size_t pos = out.empty() ? 0 : rng() % out.size();
    switch (rng() % 5) {
      case 0:
        if (!out.empty()) out[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:
        out.insert(out.begin() + pos, static_cast<uint8_t>(rng()));
        break;
      case 2:
        if (!out.empty()) out.erase(out.begin() + pos);
        break;
      case 3: {  // interesting bytes for JSON / base64 / HTTP parsers
        static const char kTokens[] = "{}[]\",:.=/\\\n\r\t0-_+ ";
        if (!out.empty()) out[pos] = static_cast<uint8_t>(kTokens[rng() % (sizeof kTokens - 1)]);
        break;
      }
      default: {  // splice a chunk of another seed
        const auto& other = seeds[rng() % seeds.size()];
        if (other.empty()) break;
        size_t from = rng() % other.size(),
               len = 1 + rng() % std::min<size_t>(64, other.size() - from);
        out.insert(out.begin() + pos, other.begin() + from, other.begin() + from + len);
      }
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <corpus-dir> [mutations-per-seed]\n", argv[0]);
    return 2;
  }
  int mutations = argc > 2 ? std::atoi(argv[2]) : 200;
  std::vector<std::vector<uint8_t>> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream f(entry.path(), std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "empty corpus %s\n", argv[1]);
    return 2;
  }
  std::mt19937 rng(12345);
  size_t runs = 0;
  for (const auto& s : seeds) {
    LLVMFuzzerTestOneInput(s.data(), s.size());
    ++runs;
    for (int i = 0; i < mutations; ++i) {
      auto m = Mutate(s, rng, seeds);
      LLVMFuzzerTestOneInput(m.data(), m.size());
      ++runs;
    }
  }
  std::printf("%zu inputs from %zu seeds ran without a crash\n", runs, seeds.size());
  return 0;
}
