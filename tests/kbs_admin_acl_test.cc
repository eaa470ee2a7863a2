// Issue 11 item 4 end to end: the real cocoon-kbs binary on a free loopback port, requests written
// byte for byte on a raw socket (libcurl would squash "/./" and "/../" before sending). The admin
// ACL sees the path the router routes, and the method.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "crypto/keys.h"
#include "kbs/admin_client.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

struct RawReply {
  int status = 0;
  std::string text;  // the whole response
};

RawReply RawRequest(int port, const std::string& method, const std::string& target,
                    const std::string& bearer, const std::string& body = "") {
  RawReply reply;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return reply;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                    "Authorization: Bearer " + bearer + "\r\nConnection: close\r\n" +
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  (void)send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) {
    reply.text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (reply.text.size() > 12) reply.status = std::atoi(reply.text.c_str() + 9);
  return reply;
}

// cocoon-kbs whose role "admin" may POST resources outside secret/ and only GET reference values.
class AclKbs {
 public:
  AclKbs()
      : port_(harness::FreePort()), key_(*crypto::PrivateKey::Generate(crypto::KeyType::kEd25519)) {
    dir_.Write("admin.pub", *key_.public_key().ToPem());
    std::string c = "[http_server]\nsockets = [\"127.0.0.1:" + std::to_string(port_) +
                    "\"]\ninsecure_http = true\n";
    c += "[admin]\nauthorization_mode = \"AuthenticatedAuthorization\"\n";
    c += "[admin.authentication.bearer_jwt]\nidentity_providers = [ { public_key_uri = \"" +
         dir_.File("admin.pub") + "\" } ]\n";
    c += "[admin.authorization.regex_acl]\nacls = [\n"
         "  { role = \"admin\", allowed_endpoints = \"^/kbs/v0/resource/(?!secret/).+$\" },\n"
         "  { role = \"admin\", allowed_endpoints = \"^/kbs/v0/reference-value.*$\", "
         "allowed_methods = [\"GET\"] },\n]\n";
    c += "[storage_backend]\nstorage_type = \"Memory\"\n";
    dir_.Write("kbs.toml", c);
    proc_ = std::make_unique<harness::Process>(std::vector<std::string>{
        harness::BinaryPath("cocoon-kbs"), "--config-file", dir_.File("kbs.toml")});
    up_ = proc_->WaitForLine("listening on", std::chrono::seconds(20));
  }
  bool up() const { return up_; }
  std::string log() const { return harness::ReadFile(proc_->stderr_path()); }
  int port() const { return port_; }
  std::string Token() const { return *kbs::MakeAdminToken(key_, {}, std::time(nullptr)); }

 private:
  harness::TempDir dir_;
  int port_;
  crypto::PrivateKey key_;
  std::unique_ptr<harness::Process> proc_;
  bool up_ = false;
};

TEST(KbsAdminAcl, EscapesAndDotSegmentsCannotReachAnExcludedPath) {
  AclKbs kbs;
  ASSERT_TRUE(kbs.up()) << kbs.log();
  const std::string token = kbs.Token();
  auto ok = RawRequest(kbs.port(), "POST", "/kbs/v0/resource/public/key/1", token, "pub");
  EXPECT_EQ(ok.status, 200) << ok.text;
  for (std::string path :
       {"/kbs/v0/resource/secret/key/1", "/kbs/v0/resource/%73ecret/key/1",
        "/kbs/v0/resource/public/..%2Fsecret/key/1", "/kbs/v0/resource/public/../secret/key/1",
        "/kbs/v0/resource/public/%2e%2e/secret/key/1", "/kbs/v0/resource//secret/key/1",
        "/kbs/v0/resource/./secret/key/1", "/kbs/v0/resource/%2Fsecret/key/1"}) {
    auto r = RawRequest(kbs.port(), "POST", path, token, "stolen");
    EXPECT_EQ(r.status, 403) << path << " " << r.text;
    EXPECT_NE(r.text.find("AdminAuthInitialization"), std::string::npos) << path << " " << r.text;
    EXPECT_NE(r.text.find("not allowed to POST /kbs/v0/resource/secret/key/1"), std::string::npos)
        << path << " " << r.text;
  }
  auto above_root = RawRequest(kbs.port(), "POST", "/kbs/../../secret", token, "x");
  EXPECT_EQ(above_root.status, 400) << above_root.text;
  auto nul = RawRequest(kbs.port(), "POST", "/kbs/v0/resource/secret%00/key/1", token, "x");
  EXPECT_EQ(nul.status, 400) << nul.text;
  EXPECT_EQ(RawRequest(kbs.port(), "GET", "/healthz", "").status, 200);
}

TEST(KbsAdminAcl, AllowedMethodsRestrictAnEntry) {
  AclKbs kbs;
  ASSERT_TRUE(kbs.up()) << kbs.log();
  const std::string token = kbs.Token();
  auto list = RawRequest(kbs.port(), "GET", "/kbs/v0/reference-value", token);
  EXPECT_EQ(list.status, 200) << list.text;
  auto post = RawRequest(kbs.port(), "POST", "/kbs/v0/reference-value", token, "{}");
  EXPECT_EQ(post.status, 403) << post.text;
  EXPECT_NE(post.text.find("not allowed to POST /kbs/v0/reference-value"), std::string::npos)
      << post.text;
  auto del = RawRequest(kbs.port(), "DELETE", "/kbs/v0/reference-value/svn", token);
  EXPECT_EQ(del.status, 403) << del.text;
  EXPECT_NE(del.text.find("not allowed to DELETE /kbs/v0/reference-value/svn"), std::string::npos)
      << del.text;
}

TEST(KbsAdminAcl, UnknownMethodInAnAclIsAConfigError) {
  harness::TempDir d;
  d.Write("kbs.toml",
          "[http_server]\nsockets = [\"127.0.0.1:0\"]\ninsecure_http = true\n"
          "[admin.authorization.regex_acl]\nacls = [ { role = \"a\", allowed_endpoints = "
          "\"^/kbs/.*$\", allowed_methods = [\"get\"] } ]\n");
  auto r = harness::Run({harness::BinaryPath("cocoon-kbs"), "--config-file", d.File("kbs.toml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("allowed_methods"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"get\" is not one of"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cocoon
