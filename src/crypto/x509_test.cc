// X.509 tests on real fixtures: KBS JWK-endorsement chains (testdata/token/jwk-endorsement) and
// AMD SEV-SNP certificates (testdata/snp), including a VCEK-signed attestation report.
#include "crypto/x509.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/json.h"
#include "base/limits.h"
#include "crypto/testing/test_util.h"
#include "crypto/sign.h"

namespace cocoon::crypto {
namespace {

using std::chrono::sys_days;
using testing::ReadTestData;
using testing::Unhex;
using namespace std::chrono_literals;

struct Chain {
  std::vector<Certificate> x5c;  // leaf first
  std::vector<Certificate> anchors;
};

Chain LoadScenario(std::string_view nn) {
  std::string dir = "token/jwk-endorsement/scenario" + std::string(nn);
  Chain chain;
  Json jwk = base::ParseJson(ReadTestData(dir + "-jwk.json")).value();
  for (const Json& entry : jwk["x5c"]) {
    Bytes der = base::Base64DecodeAny(entry.get<std::string>()).value();
    chain.x5c.push_back(Certificate::FromDer(der).value());
  }
  chain.anchors = Certificate::ParsePemBundle(ReadTestData(dir + "-trust.pem")).value();
  return chain;
}

Status VerifyScenario(const Chain& c, ChainOptions opts) {
  std::vector<Certificate> untrusted(c.x5c.begin() + 1, c.x5c.end());
  return VerifyChain(c.x5c.front(), untrusted, c.anchors, opts);
}

ChainOptions At(sys_days day) { return ChainOptions{.at = day}; }
constexpr sys_days k2027 = sys_days{std::chrono::year{2027} / 1 / 1};

TEST(X509ChainTest, EndorsementScenariosThatChain) {
  for (std::string_view nn : {"01", "05", "06", "07"}) {
    SCOPED_TRACE(std::string(nn));
    Chain c = LoadScenario(nn);
    ASSERT_FALSE(c.x5c.empty());
    auto r = VerifyScenario(c, At(k2027));
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
  }
}

TEST(X509ChainTest, WrongAnchorIsUnauthenticated) {
  auto r = VerifyScenario(LoadScenario("04"), At(k2027));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
}

TEST(X509ChainTest, LeafKeyComparisonForScenario02) {
  // Scenario 02: the JWK's key is not the x5c leaf key.
  Json jwk = base::ParseJson(ReadTestData("token/jwk-endorsement/scenario02-jwk.json")).value();
  PublicKey jwk_key = PublicKey::FromRsa(base::Base64UrlDecode(jwk["n"].get<std::string>()).value(),
                                         base::Base64UrlDecode(jwk["e"].get<std::string>()).value())
                          .value();
  Chain c = LoadScenario("02");
  EXPECT_FALSE(c.x5c.front().public_key().value().Equals(jwk_key));
  Json jwk1 = base::ParseJson(ReadTestData("token/jwk-endorsement/scenario01-jwk.json")).value();
  PublicKey key1 = PublicKey::FromRsa(base::Base64UrlDecode(jwk1["n"].get<std::string>()).value(),
                                      base::Base64UrlDecode(jwk1["e"].get<std::string>()).value())
                       .value();
  EXPECT_TRUE(LoadScenario("01").x5c.front().public_key().value().Equals(key1));
}

TEST(X509ChainTest, MissingIntermediateFails) {
  Chain c = LoadScenario("05");
  auto r = VerifyChain(c.x5c.front(), {}, c.anchors, At(k2027));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
}

TEST(X509ChainTest, IntermediateAsAnchorIsNotAPartialChain) {
  Chain c = LoadScenario("05");
  auto r = VerifyChain(c.x5c.front(), {}, {c.x5c[1]}, At(k2027));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
}

TEST(X509ChainTest, TimeIsChecked) {
  Chain c = LoadScenario("01");  // valid 2026-04-15 .. 2036-04-12
  auto early = VerifyScenario(c, At(sys_days{std::chrono::year{2025} / 1 / 1}));
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code(), Code::kUnauthenticated);
  EXPECT_NE(early.error().message().find("not yet valid"), std::string::npos)
      << early.error().message();
  auto late = VerifyScenario(c, At(sys_days{std::chrono::year{2040} / 1 / 1}));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code(), Code::kUnauthenticated);
  ChainOptions no_time{.at = sys_days{std::chrono::year{2025} / 1 / 1}, .check_time = false};
  EXPECT_TRUE(VerifyScenario(c, no_time).has_value());
}

TEST(X509ChainTest, DepthLimit) {
  Chain c = LoadScenario("05");  // leaf -> intermediate -> root
  ChainOptions shallow = At(k2027);
  shallow.max_depth = 0;
  auto r = VerifyScenario(c, shallow);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  shallow.max_depth = 1;
  EXPECT_TRUE(VerifyScenario(c, shallow).has_value());
}

TEST(X509ChainTest, UntrustedCountLimit) {
  Chain c = LoadScenario("05");
  std::vector<Certificate> untrusted(limits::kX509ChainMaxLength, c.x5c[1]);
  EXPECT_TRUE(VerifyChain(c.x5c.front(), untrusted, c.anchors, At(k2027)).has_value());
  untrusted.push_back(c.x5c[1]);
  auto r = VerifyChain(c.x5c.front(), untrusted, c.anchors, At(k2027));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted);
}

TEST(X509ChainTest, NoAnchorsIsInvalidArgument) {
  Chain c = LoadScenario("01");
  auto r = VerifyChain(c.x5c.front(), {}, {}, At(k2027));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

// --- AMD SEV-SNP fixtures -------------------------------------------------------------------

struct AmdRoots {
  Certificate ask, ark, asvk;
};

AmdRoots LoadMilan() {
  auto certs =
      Certificate::ParsePemBundle(ReadTestData("snp/amd-roots/milan_ask_ark_asvk.pem")).value();
  return {certs.at(0), certs.at(1), certs.at(2)};
}

Certificate LoadDer(std::string_view rel) {
  std::string der = ReadTestData(rel);
  return Certificate::FromDer(AsBytes(der)).value();
}

TEST(X509SnpTest, BundleOrderAndNames) {
  auto certs =
      Certificate::ParsePemBundle(ReadTestData("snp/amd-roots/milan_ask_ark_asvk.pem")).value();
  ASSERT_EQ(certs.size(), 3u);
  EXPECT_EQ(certs[0].SubjectCommonName(), "SEV-Milan");
  EXPECT_EQ(certs[1].SubjectCommonName(), "ARK-Milan");
  EXPECT_EQ(certs[2].SubjectCommonName(), "SEV-VLEK-Milan");
  EXPECT_NE(certs[1].Subject().find("CN=ARK-Milan"), std::string::npos) << certs[1].Subject();
  EXPECT_NE(certs[1].Subject().find("O=Advanced Micro Devices"), std::string::npos);
}

TEST(X509SnpTest, AskSignedByArkWithRsaPss) {
  AmdRoots m = LoadMilan();
  PublicKey ark_key = m.ark.public_key().value();
  EXPECT_EQ(ark_key.type(), KeyType::kRsa);
  EXPECT_EQ(ark_key.RsaBits(), 4096u);
  EXPECT_TRUE(m.ask.VerifySignedBy(ark_key).has_value());
  EXPECT_TRUE(m.ark.VerifySignedBy(ark_key).has_value());  // self-signed root
  EXPECT_TRUE(m.asvk.VerifySignedBy(ark_key).has_value());
  auto wrong = m.ark.VerifySignedBy(m.ask.public_key().value());
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), Code::kUnauthenticated);
}

TEST(X509SnpTest, VcekChainsToMilanRoots) {
  AmdRoots m = LoadMilan();
  Certificate vcek = LoadDer("snp/test-vcek.der");
  EXPECT_EQ(vcek.SubjectCommonName(), "SEV-VCEK");
  EXPECT_TRUE(vcek.VerifySignedBy(m.ask.public_key().value()).has_value());
  auto r = VerifyChain(vcek, {m.ask}, {m.ark}, At(k2027));
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  // Genoa roots do not anchor a Milan VCEK.
  auto genoa =
      Certificate::ParsePemBundle(ReadTestData("snp/amd-roots/genoa_ask_ark_asvk.pem")).value();
  auto bad = VerifyChain(vcek, {genoa[0]}, {genoa[1]}, At(k2027));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kUnauthenticated);
}

TEST(X509SnpTest, ExpiredVlekNeedsNoCheckTime) {
  AmdRoots m = LoadMilan();
  Certificate vlek = LoadDer("snp/test-vlek.der");
  auto timed = VerifyChain(vlek, {m.asvk}, {m.ark}, At(k2027));  // VLEK expired 2025-12-10
  ASSERT_FALSE(timed.has_value());
  EXPECT_EQ(timed.error().code(), Code::kUnauthenticated);
  EXPECT_NE(timed.error().message().find("expired"), std::string::npos);
  ChainOptions no_time;
  no_time.check_time = false;
  auto r = VerifyChain(vlek, {m.asvk}, {m.ark}, no_time);
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
}

TEST(X509SnpTest, InvalidVceksDoNotVerifyButParse) {
  AmdRoots m = LoadMilan();
  Bytes hwid(64);
  for (size_t i = 0; i < hwid.size(); ++i) hwid[i] = static_cast<uint8_t>(i);
  Bytes hwid_der = {0x04, 0x40};
  hwid_der.insert(hwid_der.end(), hwid.begin(), hwid.end());
  const std::pair<const char*, Bytes> cases[] = {
      {"snp/test-vcek-invalid-legacy.der", hwid},
      {"snp/test-vcek-invalid-new.der", hwid_der},
  };
  for (const auto& [path, expected_hwid] : cases) {
    SCOPED_TRACE(path);
    Certificate c = LoadDer(path);
    auto r = c.VerifySignedBy(m.ask.public_key().value());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
    EXPECT_EQ(c.ExtensionValue("1.3.6.1.4.1.3704.1.4"), expected_hwid);
  }
}

TEST(X509SnpTest, ExtensionValues) {
  Certificate vcek = LoadDer("snp/test-vcek.der");
  auto hwid = vcek.ExtensionValue("1.3.6.1.4.1.3704.1.4");
  ASSERT_TRUE(hwid.has_value());
  EXPECT_EQ(*hwid, Unhex("c38427a30d4c7af9d96f7a15b97269825a64cb76a2352ffd5d18115d89ad473f"
                         "8e8c0bcd9a5d9286612bad4aadfb4426205a3b9e4fea82301135a170e477524e"));
  auto bl_spl = vcek.ExtensionValue("1.3.6.1.4.1.3704.1.3.1");  // DER INTEGER 3
  ASSERT_TRUE(bl_spl.has_value());
  EXPECT_EQ(*bl_spl, (Bytes{0x02, 0x01, 0x03}));
  EXPECT_FALSE(vcek.ExtensionValue("1.3.6.1.4.1.3704.9.9").has_value());
  EXPECT_FALSE(vcek.ExtensionValue("not an oid").has_value());
  EXPECT_FALSE(vcek.ExtensionValue("").has_value());
}

// The SNP report signature: ECDSA P-384/SHA-384 over bytes [0, 0x2A0); r and s are little-endian
// in the first 48 bytes of two 72-byte fields at 0x2A0 and 0x2E8.
Bytes SnpSignatureRaw(std::string_view report) {
  Bytes raw;
  for (size_t field : {0x2A0u, 0x2E8u}) {
    for (size_t i = 0; i < 48; ++i) raw.push_back(static_cast<uint8_t>(report[field + 47 - i]));
  }
  return raw;
}

TEST(X509SnpTest, ReportSignedByVcek) {
  std::string report = ReadTestData("snp/test-report.bin");
  ASSERT_EQ(report.size(), 1184u);
  PublicKey vcek_key = LoadDer("snp/test-vcek.der").public_key().value();
  EXPECT_EQ(vcek_key.type(), KeyType::kEcP384);
  Bytes sig = SnpSignatureRaw(report);
  ByteSpan signed_part = AsBytes(report).first(0x2A0);
  auto ok = Verify(vcek_key, SignAlg::kEs384, signed_part, sig);
  EXPECT_TRUE(ok.has_value()) << ok.error().ToString();
  report[42] ^= 1;
  auto bad = Verify(vcek_key, SignAlg::kEs384, AsBytes(report).first(0x2A0), sig);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kUnauthenticated);
}

TEST(X509CertTest, DerRoundTripAndStrictParsing) {
  std::string der = ReadTestData("snp/test-vcek.der");
  Certificate c = Certificate::FromDer(AsBytes(der)).value();
  EXPECT_EQ(c.ToDer().value(), ToBytes(der));
  Bytes trailing = ToBytes(der);
  trailing.push_back(0);
  auto r = Certificate::FromDer(trailing);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  Bytes truncated(der.begin(), der.end() - 1);
  auto r2 = Certificate::FromDer(truncated);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code(), Code::kInvalidArgument);
}

TEST(X509CertTest, PemParsing) {
  std::string pem = ReadTestData("token/as-jwks/cert-chain.pem");
  auto c = Certificate::FromPem(pem);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->SubjectCommonName(), "as-jwks-fixture");
  EXPECT_TRUE(c->VerifySignedBy(c->public_key().value()).has_value());  // self-signed
  for (std::string_view bad :
       {"", "garbage", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"}) {
    auto r = Certificate::ParsePemBundle(bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
    auto r2 = Certificate::FromPem(bad);
    ASSERT_FALSE(r2.has_value());
    EXPECT_EQ(r2.error().code(), Code::kInvalidArgument);
  }
  // A good certificate followed by a corrupt one is an error, not a silent truncation.
  std::string corrupt = pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  auto r = Certificate::ParsePemBundle(corrupt);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

// --- PEM or DER (LoadCertificates, the helper every root/anchor loader uses) -------------------

TEST(X509AnyFormatTest, DerRootIsReadLikeItsPem) {
  std::string pem = ReadTestData("snp/amd-roots/milan_ask_ark_asvk.pem");
  auto from_pem = Certificate::ParseAny(AsBytes(pem)).value();
  ASSERT_EQ(from_pem.size(), 3u);
  Bytes ark_der = from_pem[1].ToDer().value();
  auto one = Certificate::ParseAny(ark_der);
  ASSERT_TRUE(one) << one.error().ToString();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].SubjectCommonName(), "ARK-Milan");
  // Concatenated DER certificates are a bundle too.
  Bytes two = from_pem[0].ToDer().value();
  two.insert(two.end(), ark_der.begin(), ark_der.end());
  auto both = Certificate::ParseAny(two);
  ASSERT_TRUE(both) << both.error().ToString();
  EXPECT_EQ((*both)[1].SubjectCommonName(), "ARK-Milan");
}

TEST(X509AnyFormatTest, GarbageAndTruncatedDerNameTheProblem) {
  Bytes ark_der = LoadMilan().ark.ToDer().value();
  Bytes cut(ark_der.begin(), ark_der.end() - 5);
  auto truncated = Certificate::ParseAny(cut);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code(), Code::kInvalidArgument);
  EXPECT_NE(truncated.error().message().find("neither PEM nor DER"), std::string::npos)
      << truncated.error().message();
  auto empty = Certificate::ParseAny({});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), Code::kInvalidArgument);
  auto missing = LoadCertificates("/nonexistent/TrustedRootCA.der", "--root");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_NE(missing.error().message().find("TrustedRootCA.der"), std::string::npos);
}

}  // namespace
}  // namespace cocoon::crypto
