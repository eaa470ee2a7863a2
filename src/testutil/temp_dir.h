// Test support: a fresh temporary directory, removed with everything in it on destruction.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace cocoon::testutil {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Empty if the directory could not be created (tests assert on it).
  const std::filesystem::path& path() const { return path_; }
  // path()/name as a string.
  std::string File(std::string_view name) const;
  // Writes (replaces) path()/name.
  void Write(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace cocoon::testutil
