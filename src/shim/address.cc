// Shim socket addresses (see address.h).
#include "shim/address.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/bytes.h"
#include "base/encoding.h"
#include "crypto/digest.h"

namespace cocoon::shim {

std::string CleanPath(std::string_view path) {
  bool absolute = path.starts_with('/');
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.emplace_back("..");
      }
    } else {
      parts.emplace_back(part);
    }
    i = j + 1;
  }
  std::string out = absolute ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

std::string SocketAddress(std::string_view socket_dir, std::string_view containerd_address,
                          std::string_view ns, std::string_view group) {
  std::string joined =
      CleanPath(std::string(containerd_address) + "/" + std::string(ns) + "/" + std::string(group));
  return "unix://" + CleanPath(socket_dir) + "/" + base::HexEncode(crypto::Sha256(AsBytes(joined)));
}

std::string SocketPath(std::string_view address) {
  if (address.starts_with("unix://")) address.remove_prefix(7);
  return std::string(address);
}

namespace {

Result<sockaddr_un> UnixAddr(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgument("socket path longer than " + std::to_string(sizeof(addr.sun_path) - 1) +
                           " bytes: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

}  // namespace

bool SocketAccepts(const std::string& path) {
  auto addr = UnixAddr(path);
  if (!addr) return false;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&*addr), sizeof(*addr)) == 0;
  ::close(fd);
  return ok;
}

Result<int> ListenSocket(const std::string& path) {
  ASSIGN_OR_RETURN(sockaddr_un addr, UnixAddr(path));
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return Unavailable("cannot create the directory of " + path + ": " + ec.message());
  if (SocketAccepts(path)) return FailedPrecondition("a shim already listens on " + path);
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 64) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return Unavailable("cannot listen on " + path + ": " + err);
  }
  return fd;
}

}  // namespace cocoon::shim
