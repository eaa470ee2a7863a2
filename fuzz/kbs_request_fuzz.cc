// Fuzz target: the KBS request handlers on untrusted bodies (auth, attest, admin payloads),
// in process with an in-memory store. Every input must produce an HTTP response.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "kbs/service.h"
#include "tee/sample/sample.h"

namespace {
cocoon::kbs::KbsService& Service() {
  static cocoon::tee::VerifierRegistry verifiers;
  static cocoon::kbs::KvStoreRegistry stores;
  static std::unique_ptr<cocoon::kbs::KbsService> svc = [] {
    verifiers.Register("sample", cocoon::tee::sample::NewVerifier());
    cocoon::kbs::RegisterBuiltinKvStores(stores);
    cocoon::kbs::KbsConfig c;
    c.storage_backend.storage_type = "Memory";
    c.admin.authorization_mode = "InsecureAllowAll";
    c.policy_engine.builtin = "allow_all";
    auto s = cocoon::kbs::KbsService::Create(c, &verifiers, stores);
    if (!s) std::abort();
    return std::move(*s);
  }();
  return *svc;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto& kbs = Service();
  cocoon::net::HttpRequest auth;
  auth.method = "POST";
  auth.path = auth.target = "/kbs/v0/auth";
  auth.body = body;
  auto a = kbs.Handle(auth);
  cocoon::net::HttpRequest attest = auth;
  attest.path = attest.target = "/kbs/v0/attest";
  // Use the session the fuzzed /auth created when it succeeded, else a valid fresh one.
  std::string cookie;
  if (auto sc = a.headers.Get("set-cookie")) cookie = std::string(sc->substr(15, 32));
  if (cookie.empty()) {
    auth.body = R"({"version":"0.4.0","tee":"sample","extra-params":{}})";
    auto fresh = kbs.Handle(auth);
    if (auto sc = fresh.headers.Get("set-cookie")) cookie = std::string(sc->substr(15, 32));
  }
  attest.headers.Set("cookie", "kbs-session-id=" + cookie);
  if (kbs.Handle(attest).status == 0) std::abort();
  for (const char* route :
       {"/kbs/v0/reference-value", "/kbs/v0/resource-policy", "/kbs/v0/attestation-policy"}) {
    cocoon::net::HttpRequest admin = auth;
    admin.body = body;
    admin.path = admin.target = route;
    if (kbs.Handle(admin).status == 0) std::abort();
  }
  return 0;
}
