// TDX verifier tests on the real quotes of testdata/tdx (MANIFEST outcomes), byte-flip sweeps over
// every signed region, PCK-chain and time cases, and the collateral paths (TCB statuses, CRLs,
// QE identity, swapped items) driven through an OpenSSL-made test PKI (test_pki.h).
#include "tee/tdx/verify.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/time.h"
#include "crypto/x509.h"
#include "tee/tdx/intel_root.h"
#include "tee/tdx/pck_extension.h"
#include "tee/tdx/tcb.h"
#include "tee/tdx/tdx.h"
#include "tee/tdx/testing/test_pki.h"
#include "testutil/temp_dir.h"
#include "testutil/testdata.h"

namespace cocoon::tee::tdx {
namespace {

using testing::ReadText;
using testing::WriteText;

Bytes Vec(std::string_view rel) { return ToBytes(testutil::ReadTestdata(rel)); }
int64_t T(std::string_view s) { return base::ParseRfc3339(s).value(); }
int64_t Now() { return std::time(nullptr); }
const int64_t kAt = T("2026-01-15T00:00:00Z");  // every real PCK chain is valid then

std::unique_ptr<QuoteVerifier> MakeVerifier(VerifierOptions o = {}) {
  auto v = QuoteVerifier::Create(std::move(o));
  EXPECT_TRUE(v) << v.error().ToString();
  return std::move(*v);
}

Result<Json> Check(const QuoteVerifier& v, ByteSpan quote, int64_t at = kAt) {
  QuoteInput in;
  in.quote = quote;
  in.at = at;
  return v.Verify(in);
}

void ExpectFail(const Result<Json>& r, Code code, std::string_view text) {
  ASSERT_FALSE(r) << "unexpectedly verified";
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
  EXPECT_NE(r.error().message().find(text), std::string::npos)
      << "want '" << text << "' in: " << r.error().message();
}

TEST(TdxVerify, RealQuotesVerifyWithoutCollateral) {
  auto v = MakeVerifier();
  struct Case {
    const char* file;
    const char* fmspc;
    const char* version;
  } cases[] = {{"tdx/tdx_quote_4.dat", "50806f000000", "0400"},
               {"tdx/tdx_quote_5.dat", "90c06f000000", "0500"},
               {"tdx/tdx_quote_6.dat", "00a06d080000", "0400"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    Bytes q = Vec(c.file);
    auto claims = Check(*v, q);
    ASSERT_TRUE(claims) << claims.error().ToString();
    EXPECT_EQ((*claims)["fmspc"], c.fmspc);
    EXPECT_EQ((*claims)["quote"]["header"]["version"], c.version);
    EXPECT_EQ((*claims)["quote"]["header"]["tee_type"], "81000000");
    EXPECT_EQ((*claims)["tcb_status"], "NotEvaluated");
  }
}

TEST(TdxVerify, Quote5IsTdx15WithExtraClaims) {
  Bytes q = Vec("tdx/tdx_quote_5.dat");
  auto claims = Check(*MakeVerifier(), q);
  ASSERT_TRUE(claims) << claims.error().ToString();
  const Json& body = (*claims)["quote"]["body"];
  EXPECT_EQ((*claims)["quote"]["type"], "0300");
  EXPECT_EQ((*claims)["quote"]["size"], "88020000");
  EXPECT_EQ(body["tee_tcb_svn2"].get<std::string>().substr(0, 8), "05010200");
  EXPECT_EQ(body["mr_servicetd"].get<std::string>().substr(0, 6), "383c87");
  EXPECT_EQ((*claims)["td_attributes"]["debug"], false);
}

TEST(TdxVerify, Quote4ClaimsEqualTrusteeExpected) {
  Json expected = testutil::TestdataJson("tdx/parse_tdx_claims_expected.json");
  ASSERT_TRUE(expected.is_object());
  auto claims = Check(*MakeVerifier(), Vec("tdx/tdx_quote_4.dat"));
  ASSERT_TRUE(claims) << claims.error().ToString();
  for (const char* key :
       {"quote", "td_attributes", "report_data", "init_data", "platform_instance_id"}) {
    EXPECT_EQ((*claims)[key], expected[key]) << key;
  }
}

TEST(TdxVerify, Quote6ConfigIdAndReportDataBinding) {
  Bytes q = Vec("tdx/tdx_quote_6.dat");
  auto v = MakeVerifier();
  auto claims = Check(*v, q);
  ASSERT_TRUE(claims);
  EXPECT_EQ((*claims)["init_data"],
            "889abf4718f037e38d74464c11e7c91a6e9890b5546409e1e7df9de7a51ca93152bf847bd2440328e90a"
            "db18b150ed67");
  // The SHA-384 shape: 48 bytes, zero-padded to 64 by the verifier.
  Bytes rd = base::HexDecode(
                 "26cae1c77185617fb6a03fc29bf1f924596e52352b9b7594940b576ae126cd4a57"
                 "0cc3202a900c5d19a6eb0a95b32cfd")
                 .value();
  QuoteInput in;
  in.quote = q;
  in.expected_report_data = rd;
  in.at = kAt;
  EXPECT_TRUE(v->Verify(in));
  rd[0] ^= 1;
  in.expected_report_data = rd;
  ExpectFail(v->Verify(in), Code::kUnauthenticated, "TDX: report_data mismatch");
  Bytes cfg = base::HexDecode((*claims)["init_data"].get<std::string>()).value();
  in.expected_report_data = {};
  in.init_data_digest = cfg;
  EXPECT_TRUE(v->Verify(in));
  in.init_data_digest = Bytes(48, 0);
  ExpectFail(v->Verify(in), Code::kUnauthenticated, "MRCONFIGID");
}

// Every byte of every signed region, flipped, must be rejected by the check that covers it.
TEST(TdxVerify, ByteFlipSweepOverSignedRegions) {
  auto v = MakeVerifier();
  for (const char* file : {"tdx/tdx_quote_4.dat", "tdx/tdx_quote_5.dat", "tdx/tdx_quote_6.dat"}) {
    SCOPED_TRACE(file);
    Bytes q = Vec(file);
    Quote parsed = ParseQuote(q).value();
    auto off = [&](ByteSpan s) { return static_cast<size_t>(s.data() - q.data()); };
    struct Region {
      ByteSpan span;
      const char* what;
    } regions[] = {
        {parsed.signed_region, "quote signature by the attestation key invalid"},
        {parsed.quote_signature, "quote signature by the attestation key invalid"},
        {parsed.attestation_key, ""},  // not a point, or the signature fails
        {parsed.qe_report.raw, ""},    // report_data part: not bound; else QE signature
        {parsed.qe_report_signature, "QE report signature invalid"},
        {parsed.qe_auth_data, "attestation key not bound by QE report data"},
    };
    size_t flips = 0;
    for (const Region& r : regions) {
      size_t start = off(r.span);
      for (size_t i = start; i < start + r.span.size(); ++i) {
        Bytes t = q;
        t[i] ^= 0x01;
        auto res = Check(*v, t);
        ASSERT_FALSE(res) << "flip at " << i << " accepted";
        ++flips;
        std::string want = r.what;
        if (r.span.data() == parsed.qe_report.raw.data()) {
          want = i - start >= 320 ? "attestation key not bound" : "QE report signature invalid";
        }
        if (!want.empty() && i >= 48 + (parsed.header.version == 5 ? 6 : 0)) {
          EXPECT_NE(res.error().message().find(want), std::string::npos)
              << "flip at " << i << ": " << res.error().message();
        }
      }
    }
    EXPECT_GT(flips, 1100u);
  }
}

TEST(TdxVerify, WrongPckChainIsRejected) {
  Bytes q4 = Vec("tdx/tdx_quote_4.dat");
  Quote p4 = ParseQuote(q4).value();
  // Quote 4 carrying quote 6's (valid, Intel-signed) PCK chain: the QE signature fails.
  std::string other = testutil::ReadTestdata("tdx/tdx_quote_6.pck_chain.pem");
  Bytes swapped(q4.begin(), q4.begin() + (p4.qe_auth_data.data() - q4.data()) +
                                static_cast<long>(p4.qe_auth_data.size()));
  swapped.push_back(5);
  swapped.push_back(0);
  for (int i = 0; i < 4; ++i) swapped.push_back(static_cast<uint8_t>(other.size() >> (8 * i)));
  swapped.insert(swapped.end(), other.begin(), other.end());
  // Fix the two enclosing sizes (signature data, certification data).
  size_t sig_len_at = p4.signed_region.size();
  uint32_t sig_len = static_cast<uint32_t>(swapped.size() - sig_len_at - 4);
  for (int i = 0; i < 4; ++i) swapped[sig_len_at + i] = static_cast<uint8_t>(sig_len >> (8 * i));
  size_t cert_len_at = sig_len_at + 4 + 64 + 64 + 2;
  uint32_t cert_len = static_cast<uint32_t>(swapped.size() - cert_len_at - 4);
  for (int i = 0; i < 4; ++i) swapped[cert_len_at + i] = static_cast<uint8_t>(cert_len >> (8 * i));
  ExpectFail(Check(*MakeVerifier(), swapped), Code::kUnauthenticated,
             "QE report signature invalid");
}

TEST(TdxVerify, ChainValidityTimeAndRoot) {
  Bytes q = Vec("tdx/tdx_quote_6.dat");
  auto v = MakeVerifier();
  ExpectFail(Check(*v, q, T("2000-01-01T00:00:00Z")), Code::kUnauthenticated, "not valid before");
  ExpectFail(Check(*v, q, T("2100-01-01T00:00:00Z")), Code::kUnauthenticated, "expired at");
  // Another root (a test CA) instead of Intel's.
  testutil::TempDir dir;
  auto pki = testing::MakeTestPki(dir.File("pki"), "3000");
  VerifierOptions o;
  o.roots = crypto::Certificate::ParsePemBundle(pki.root_pem).value();
  ExpectFail(Check(*MakeVerifier(o), q), Code::kUnauthenticated,
             "TDX: PCK chain: 'Intel SGX PCK Platform CA' is not signed by a trusted root");
}

TEST(TdxVerify, RealTcbInfoPutsQuote6OutOfDate) {
  Bytes raw = Vec("tdx/tdx_quote_6.dat");
  Quote q = ParseQuote(raw).value();
  auto certs = crypto::Certificate::ParsePemBundle(q.pck_chain_pem).value();
  PckExtension ext = ParsePckExtension(*certs[0].ExtensionValue(kSgxExtensionOid)).value();
  TcbInfo info = ParseTcbInfo(testutil::ReadTestdata("tdx/tcbInfo.json")).value();
  auto r = EvaluateTcb(info, ext, q.body.tee_tcb_svn, q.body.mrsigner_seam, q.body.seam_attributes);
  ASSERT_TRUE(r) << r.error().ToString();
  // PCESVN 11 < 13 rules out the UpToDate level; the 2018 level matches.
  EXPECT_EQ(ext.pcesvn, 11);
  EXPECT_EQ(r->status, "OutOfDate");
  EXPECT_EQ(r->tcb_date, "2018-01-04T00:00:00Z");
  EXPECT_EQ(r->module_status, "UpToDate");  // TDX_03, SVN 5 >= 3
  EXPECT_FALSE(IsAcceptedTcbStatus(r->status, false));
  EXPECT_TRUE(IsAcceptedTcbStatus(r->status, true));
}

// The real collateral's signatures (Intel TCB Signing key) are checked; the PCK CRL is the one
// piece the testdata lacks, and its absence is reported by name.
TEST(TdxVerify, RealCollateralSignaturesThenMissingPckCrl) {
  testutil::TempDir dir;
  std::string here = std::string(COCOON_SOURCE_DIR) + "/src/tee/tdx/testdata/";
  dir.Write("tcb_info.json", testutil::ReadTestdata("tdx/tcbInfo.json"));
  dir.Write("qe_identity.json", testutil::ReadTestdata("tdx/enclaveIdentity.json"));
  dir.Write("tcb_info_issuer_chain.pem", ReadText(here + "tcb_signing_chain.pem"));
  dir.Write("qe_identity_issuer_chain.pem", ReadText(here + "tcb_signing_chain.pem"));
  dir.Write("root_ca_crl.der", ReadText(here + "root_ca_crl.der"));
  VerifierOptions o;
  o.collateral = NewDirectorySource(dir.path().string());
  Bytes q = Vec("tdx/tdx_quote_6.dat");
  ExpectFail(Check(*MakeVerifier(o), q, T("2025-11-01T00:00:00Z")), Code::kNotFound,
             "TDX: collateral pck_crl missing");
  // One byte of the signed TCB Info changed: its signature no longer verifies.
  std::string tcb = testutil::ReadTestdata("tdx/tcbInfo.json");
  tcb.replace(tcb.find("\"tcbEvaluationDataNumber\":17"), 28, "\"tcbEvaluationDataNumber\":18");
  dir.Write("tcb_info.json", tcb);
  o.collateral = NewDirectorySource(dir.path().string());
  ExpectFail(Check(*MakeVerifier(o), q, T("2025-11-01T00:00:00Z")), Code::kUnauthenticated,
             "TDX: collateral tcb_info signature invalid");
}

// --- Collateral paths under the test PKI -----------------------------------------------------

class TdxCollateral : public ::testing::Test {
 protected:
  void SetUp() override { Build(false, false); }

  void Build(bool revoke_pck, bool revoke_ca) {
    real_ = Vec("tdx/tdx_quote_6.dat");
    Quote q = ParseQuote(real_).value();
    auto certs = crypto::Certificate::ParsePemBundle(q.pck_chain_pem).value();
    std::string ext = base::HexEncode(*certs[0].ExtensionValue(kSgxExtensionOid));
    pki_ = testing::MakeTestPki(dir_.File(revoke_pck  ? "pki-rp"
                                          : revoke_ca ? "pki-rc"
                                                      : "pki"),
                                ext, revoke_pck, revoke_ca);
    chain_ = pki_.pck_pem + pki_.pck_ca_pem + pki_.root_pem;
    quote_ = testing::ResignQuote(real_, pki_.pck_key_pem, chain_);
    tcb_ = base::ParseJson(testutil::ReadTestdata("tdx/tcbInfo.json")).value()["tcbInfo"];
    qe_ = base::ParseJson(testutil::ReadTestdata("tdx/enclaveIdentity.json"))
              .value()["enclaveIdentity"];
    for (Json* j : {&tcb_, &qe_}) {
      (*j)["issueDate"] = base::FormatRfc3339(Now() - 86400);
      (*j)["nextUpdate"] = base::FormatRfc3339(Now() + 20 * 86400);
    }
  }

  // One TCB level equal to the platform (quote 6) with `status`.
  void SingleLevel(const std::string& status, Json advisories = Json::array()) {
    Json level = tcb_["tcbLevels"][0];
    int sgx[16] = {2, 2, 7, 7, 4, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 16; ++i) level["tcb"]["sgxtcbcomponents"][i]["svn"] = sgx[i];
    level["tcb"]["pcesvn"] = 11;
    level["tcbStatus"] = status;
    if (!advisories.empty()) level["advisoryIDs"] = advisories;
    tcb_["tcbLevels"] = Json::array({level});
  }

  Result<Json> Verify(int64_t at = 0, bool accept_ood = false) {
    std::string cdir = dir_.File("col" + std::to_string(n_++));
    testing::WriteCollateralDir(pki_, cdir, tcb_, qe_);
    if (edit_) edit_(cdir);
    VerifierOptions o;
    o.roots = crypto::Certificate::ParsePemBundle(pki_.root_pem).value();
    o.collateral = NewDirectorySource(cdir);
    o.accept_out_of_date = accept_ood;
    QuoteInput in;
    in.quote = quote_;
    in.at = at ? at : Now();
    return MakeVerifier(o)->Verify(in);
  }

  testutil::TempDir dir_;
  testing::TestPki pki_;
  Bytes real_, quote_;
  std::string chain_;
  Json tcb_, qe_;
  std::function<void(const std::string&)> edit_;
  int n_ = 0;
};

TEST_F(TdxCollateral, AcceptedStatusesAreClaims) {
  for (const char* status : {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
                             "ConfigurationAndSWHardeningNeeded"}) {
    SCOPED_TRACE(status);
    SingleLevel(status, Json::array({"INTEL-SA-00837"}));
    auto r = Verify();
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ((*r)["tcb_status"], status);
    EXPECT_EQ((*r)["advisory_ids"], Json::array({"INTEL-SA-00837"}));
    EXPECT_EQ((*r)["collateral_expiration_status"], "0");
    EXPECT_EQ((*r)["tdx_module_tcb_status"], "UpToDate");
    EXPECT_EQ((*r)["qe_identity_tcb_status"], "UpToDate");
  }
}

TEST_F(TdxCollateral, RejectedStatuses) {
  SingleLevel("OutOfDate", Json::array({"INTEL-SA-00960", "INTEL-SA-00982"}));
  ExpectFail(Verify(), Code::kUnauthenticated,
             "TDX: TCB status OutOfDate (tcb date 2024-03-13T00:00:00Z, advisories "
             "INTEL-SA-00960, INTEL-SA-00982)");
  auto ok = Verify(0, /*accept_ood=*/true);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ((*ok)["tcb_status"], "OutOfDate");
  SingleLevel("Revoked");
  ExpectFail(Verify(0, true), Code::kUnauthenticated, "TDX: TCB status Revoked");
  SingleLevel("UpToDate");
  tcb_["tcbLevels"][0]["tcb"]["pcesvn"] = 99;
  ExpectFail(Verify(), Code::kUnauthenticated, "TDX: no matching TCB level");
}

TEST_F(TdxCollateral, RealTcbLevelsGiveOutOfDate) {
  // The real levels (UpToDate needs PCESVN 13): quote 6's platform is OutOfDate.
  ExpectFail(Verify(), Code::kUnauthenticated, "TDX: TCB status OutOfDate (tcb date 2018-01-04");
}

TEST_F(TdxCollateral, TdxModuleIdentity) {
  SingleLevel("UpToDate");
  tcb_["tdxModuleIdentities"][0]["tcbLevels"][0]["tcb"]["isvsvn"] = 9;  // TDX_03 needs SVN 9
  ExpectFail(Verify(), Code::kUnauthenticated, "no matching TCB level for TDX module TDX_03");
  tcb_["tdxModuleIdentities"] = Json::array();
  ExpectFail(Verify(), Code::kUnauthenticated, "TDX module identity TDX_03 not in TCB info");
}

TEST_F(TdxCollateral, QeIdentityChecks) {
  SingleLevel("UpToDate");
  Json good = qe_;
  qe_["mrsigner"] = std::string(64, 'A');
  ExpectFail(Verify(), Code::kUnauthenticated, "TDX: QE identity: MRSIGNER");
  qe_ = good;
  qe_["isvprodid"] = 3;
  ExpectFail(Verify(), Code::kUnauthenticated, "TDX: QE identity: ISVPRODID 2 is not 3");
  qe_ = good;
  qe_["tcbLevels"][0]["tcb"]["isvsvn"] = 200;
  ExpectFail(Verify(), Code::kUnauthenticated, "no matching TCB level for ISVSVN");
  qe_ = good;
  qe_["attributes"] = "FF000000000000000000000000000000";
  ExpectFail(Verify(), Code::kUnauthenticated, "TDX: QE identity: ATTRIBUTES");
}

TEST_F(TdxCollateral, FreshnessAtTheEvaluationTime) {
  SingleLevel("UpToDate");
  ExpectFail(Verify(Now() + 25 * 86400), Code::kUnauthenticated,
             "TDX: collateral tcb_info expired at");
  tcb_["nextUpdate"] = base::FormatRfc3339(Now() + 60 * 86400);
  ExpectFail(Verify(Now() + 25 * 86400), Code::kUnauthenticated,
             "TDX: collateral qe_identity expired at");
  qe_["nextUpdate"] = base::FormatRfc3339(Now() + 60 * 86400);
  ExpectFail(Verify(Now() + 35 * 86400), Code::kUnauthenticated,
             "TDX: collateral pck_crl expired at");
  tcb_["issueDate"] = base::FormatRfc3339(Now() + 3600);
  ExpectFail(Verify(), Code::kUnauthenticated, "TDX: collateral tcb_info not valid before");
}

TEST_F(TdxCollateral, SwappedItemsNameTheItem) {
  SingleLevel("UpToDate");
  ASSERT_TRUE(Verify());
  struct Swap {
    const char* what;
    std::function<void(const std::string&)> edit;
    Code code;
    const char* text;
  } swaps[] = {
      {"tcb_info signed by another key",
       [&](const std::string& d) {
         WriteText(d + "/tcb_info.json",
                   testing::SignCollateral("tcbInfo", tcb_, pki_.pck_key_pem));
       },
       Code::kUnauthenticated, "TDX: collateral tcb_info signature invalid"},
      {"qe_identity chain is the PCK CA",
       [&](const std::string& d) {
         WriteText(d + "/qe_identity_issuer_chain.pem", pki_.pck_ca_pem + pki_.root_pem);
       },
       Code::kUnauthenticated, "TDX: collateral qe_identity signature invalid"},
      {"tcb_info chain signer not from the root",
       [&](const std::string& d) { WriteText(d + "/tcb_info_issuer_chain.pem", pki_.pck_pem); },
       Code::kUnauthenticated, "is not signed by the Intel SGX Root CA"},
      {"pck_crl is the root CRL",
       [&](const std::string& d) {
         WriteText(d + "/pck_crl.pem", ReadText(d + "/root_ca_crl.pem"));
       },
       Code::kUnauthenticated,
       "TDX: collateral pck_crl is not signed by 'Intel SGX PCK Platform CA'"},
      {"root_ca_crl is the PCK CRL",
       [&](const std::string& d) {
         WriteText(d + "/root_ca_crl.pem", ReadText(d + "/pck_crl.pem"));
       },
       Code::kUnauthenticated,
       "TDX: collateral root_ca_crl is not signed by the Intel SGX Root CA"},
      {"tcb_info for another FMSPC",
       [&](const std::string& d) {
         Json t = tcb_;
         t["fmspc"] = "50806F000000";
         WriteText(d + "/tcb_info.json", testing::SignCollateral("tcbInfo", t, pki_.tcb_key_pem));
       },
       Code::kInvalidArgument, "collateral tcb_info is for FMSPC 50806f000000"},
      {"tcb_info is the QE identity",
       [&](const std::string& d) {
         WriteText(d + "/tcb_info.json", ReadText(d + "/qe_identity.json"));
       },
       Code::kInvalidArgument, "TDX: collateral tcb_info"},
      {"pck_crl missing",
       [&](const std::string& d) { std::filesystem::remove(d + "/pck_crl.pem"); }, Code::kNotFound,
       "TDX: collateral pck_crl missing"},
      {"qe_identity missing",
       [&](const std::string& d) { std::filesystem::remove(d + "/qe_identity.json"); },
       Code::kNotFound, "qe_identity.json missing"},
  };
  for (const Swap& s : swaps) {
    SCOPED_TRACE(s.what);
    edit_ = s.edit;
    ExpectFail(Verify(), s.code, s.text);
  }
}

TEST_F(TdxCollateral, RevokedPckCertificate) {
  Build(/*revoke_pck=*/true, false);
  SingleLevel("UpToDate");
  ExpectFail(Verify(), Code::kUnauthenticated,
             "TDX: PCK chain: PCK certificate revoked (serial 2001");
}

TEST_F(TdxCollateral, RevokedPckCa) {
  Build(false, /*revoke_ca=*/true);
  SingleLevel("UpToDate");
  ExpectFail(Verify(), Code::kUnauthenticated,
             "TDX: PCK chain: 'Intel SGX PCK Platform CA' revoked by the root CA CRL");
}

TEST_F(TdxCollateral, ForgedQuoteStillNeedsItsSignatures) {
  SingleLevel("UpToDate");
  // A body edit after signing (RTMR3) breaks the attestation-key signature.
  quote_[48 + 472] ^= 1;
  ExpectFail(Verify(), Code::kUnauthenticated, "quote signature by the attestation key invalid");
  // A QE report signed by the PCK key but with an unbound report_data.
  quote_ =
      testing::ResignQuote(real_, pki_.pck_key_pem, chain_, {}, [](Bytes& qe) { qe[321] ^= 1; });
  ExpectFail(Verify(), Code::kUnauthenticated, "attestation key not bound by QE report data");
}

TEST_F(TdxCollateral, KbsVerifierEvidenceJson) {
  SingleLevel("UpToDate");
  std::string cdir = dir_.File("kbs-collateral");
  testing::WriteCollateralDir(pki_, cdir, tcb_, qe_);
  VerifierOptions o;
  o.roots = crypto::Certificate::ParsePemBundle(pki_.root_pem).value();
  o.collateral = NewDirectorySource(cdir);
  auto v = NewVerifier(std::move(o));
  ASSERT_TRUE(v) << v.error().ToString();
  Json ev = {{"cc_eventlog", nullptr}, {"quote", base::Base64Encode(quote_)}};
  Quote parsed = ParseQuote(quote_).value();
  Bytes rd(parsed.body.report_data.begin(), parsed.body.report_data.end());
  auto r = (*v)->Evaluate({&ev, rd, std::nullopt});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r)[0].tee, "tdx");
  EXPECT_EQ((*r)[0].tee_class, "cpu");
  EXPECT_EQ((*r)[0].claims["tcb_status"], "UpToDate");
  Json bad = {{"quote", "not base64"}};
  EXPECT_EQ((*v)->Evaluate({&bad, rd, std::nullopt}).error().code(), Code::kInvalidArgument);
}

// Without collateral the QE identity cannot be checked: the KBS verifier is not built (it used
// to pass such quotes with tcb_status "NotEvaluated").
TEST(TdxKbsVerifier, NoCollateralIsRefused) {
  auto v = NewVerifier(VerifierOptions{});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(v.error().message().find("tdx_verifier] collateral"), std::string::npos)
      << v.error().message();
}

TEST(TdxOffline, RawQuoteAndEvidenceJson) {
  OfflineVerifyOptions o;
  Bytes q = Vec("tdx/tdx_quote_4.dat");
  o.evidence = q;
  o.at_time = std::chrono::system_clock::from_time_t(kAt);
  auto raw = VerifyOffline(o);
  ASSERT_TRUE(raw) << raw.error().ToString();
  EXPECT_EQ((*raw)["tcb_status"], "NotEvaluated");
  // quote 4 + CCEL_data: the log does not replay to quote 4's RTMR0 (MANIFEST).
  Json ev = {{"cc_eventlog", base::Base64Encode(Vec("tdx/CCEL_data"))},
             {"quote", base::Base64Encode(q)}};
  o.evidence = ToBytes(base::DumpJson(ev));
  auto r = VerifyOffline(o);
  ExpectFail(r, Code::kUnauthenticated,
             "TDX: event log replay does not match RTMR0: replayed 2dc712306a963eadb894ad47dbaa17df"
             "44814151555aee11cbb843becca88950ffd079664902e6f22c66f7c8213543f4, quote e940da7c");
}

}  // namespace
}  // namespace cocoon::tee::tdx
