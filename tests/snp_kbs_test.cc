// The KBS with the SNP verifier registered (as cocoon-kbs registers it): an RCAR round with the
// real Genoa evidence reaches the SNP verifier, whose report_data check rejects it because that
// evidence was bound to another nonce (its preimage is not published), naming the values.
#include <gtest/gtest.h>

#include "base/json.h"
#include "kbs/service.h"
#include "tee/snp/verifier.h"
#include "testutil/testdata.h"

namespace cocoon {
namespace {

net::HttpRequest Req(std::string path, std::string body, std::string cookie = "") {
  net::HttpRequest r;
  r.method = "POST";
  r.target = r.path = std::move(path);
  r.body = std::move(body);
  if (!cookie.empty()) r.headers.Set("cookie", "kbs-session-id=" + cookie);
  return r;
}

std::string CookieOf(const net::HttpResponse& r) {
  auto sc = r.headers.Get("set-cookie");
  if (!sc) return "";
  std::string v(*sc);
  size_t eq = v.find('='), semi = v.find(';');
  return v.substr(eq + 1, semi - eq - 1);
}

TEST(SnpKbs, GenoaEvidenceReachesTheSnpVerifier) {
  tee::VerifierRegistry verifiers;
  verifiers.Register("snp", tee::snp::NewVerifier());
  kbs::KvStoreRegistry stores;
  kbs::RegisterBuiltinKvStores(stores);
  kbs::KbsConfig c;
  c.storage_backend.storage_type = "Memory";
  c.admin.authorization_mode = "InsecureAllowAll";
  c.policy_engine.builtin = "allow_all";
  auto service = kbs::KbsService::Create(c, &verifiers, stores);
  ASSERT_TRUE(service) << service.error().ToString();

  Json vector = testutil::TestdataJson("sample/rcar-sample-synthetic-vector.json");
  Json request = vector["request"];
  request["tee"] = "snp";
  auto auth = (*service)->Handle(Req("/kbs/v0/auth", request.dump()));
  ASSERT_EQ(auth.status, 200) << auth.body;
  Json attestation = vector["attestation"];
  attestation["runtime-data"]["nonce"] = base::ParseJson(auth.body).value_or(Json())["nonce"];
  attestation["tee-evidence"]["primary_evidence"] =
      testutil::TestdataJson("snp/evidence-genoa-v3.json");
  auto att = (*service)->Handle(Req("/kbs/v0/attest", attestation.dump(), CookieOf(auth)));
  EXPECT_EQ(att.status, 401) << att.body;
  EXPECT_NE(att.body.find("report_data mismatch: expected "), std::string::npos) << att.body;
  EXPECT_NE(att.body.find("got 7e7320889600c7ac"), std::string::npos) << att.body;

  // Evidence that is not SNP's shape is refused as malformed, naming the field.
  attestation["tee-evidence"]["primary_evidence"] = {{"svn", "1"}};
  auto auth2 = (*service)->Handle(Req("/kbs/v0/auth", request.dump()));
  attestation["runtime-data"]["nonce"] = base::ParseJson(auth2.body).value_or(Json())["nonce"];
  auto bad = (*service)->Handle(Req("/kbs/v0/attest", attestation.dump(), CookieOf(auth2)));
  EXPECT_EQ(bad.status, 401) << bad.body;
  EXPECT_NE(bad.body.find("attestation_report"), std::string::npos) << bad.body;
}

}  // namespace
}  // namespace cocoon
