#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "base/encoding.h"
#include "base/file.h"
#include "tee/tpm/testing/synthetic_quote.h"
#include "tee/tpm/tpm.h"
#include "tee/tpm/tpm_types.h"
#include "testutil/temp_dir.h"
#include "testutil/testdata.h"

namespace cocoon::tee::tpm {
namespace {

constexpr char kVectorExtraData[] =
    "a04182b506878d4f29b91ee606a71a0d3361ccf1b22db20c98adcaa537bea393ef0e41a18b3569ab678f1497fbc5"
    "c12000000000000000000000000000000000";

Json VectorJson() { return testutil::TestdataJson("tpm/tpm_evidence.json"); }
Evidence Vector() { return *ParseEvidence(VectorJson()); }
crypto::PublicKey VectorAk() { return *crypto::PublicKey::FromDer(Vector().ak_spki); }

VerifierOptions TrustKey(const crypto::PublicKey& k) {
  VerifierOptions o;
  o.trusted_aks.push_back(k);
  return o;
}

Expectations Nonce(ByteSpan n) {
  Expectations x;
  x.nonce = Bytes(n.begin(), n.end());
  return x;
}

// MANIFEST.md: RSASSA/SHA-256 signature valid, PCR digest valid; claims init_data (PCR8),
// report_data (128 hex = extraData), ak_public, pcr00..pcr23.
TEST(TpmVerifier, TrusteeVectorVerifiesWithItsAkAndNonce) {
  Evidence ev = Vector();
  ASSERT_EQ(ev.pcrs.size(), 24u);
  auto claims = VerifyEvidence(ev, TrustKey(VectorAk()), Nonce(*base::HexDecode(kVectorExtraData)));
  ASSERT_TRUE(claims) << claims.error().ToString();
  EXPECT_EQ((*claims)["report_data"], kVectorExtraData);
  EXPECT_EQ((*claims)["init_data"], std::string(64, '0'));  // PCR8 all zeros
  EXPECT_EQ((*claims)["pcr08"], std::string(64, '0'));
  EXPECT_EQ((*claims)["pcr11"], std::string(64, '0'));
  EXPECT_EQ((*claims)["ak_public"], VectorJson()["ak_public"]);
  EXPECT_EQ((*claims)["ak_trust"], "key");
  for (int i = 0; i < 24; ++i) {
    char name[8];
    std::snprintf(name, sizeof name, "pcr%02d", i);
    EXPECT_EQ((*claims)[name], VectorJson()["tpm_quote"]["pcrs"][i]) << name;
  }
  EXPECT_EQ((*claims)["quote"]["pcr_digest"],
            "019de64c9318655e422c3d03831169896e31f02a1d74e4d8fef575bf4e0d75fa");
  EXPECT_EQ((*claims)["quote"]["sig_alg"], "rsassa");
}

// MANIFEST.md: extraData is 64 bytes, so the current rule (digest resized to 32) fails for any
// runtime data — even the SHA-384 the fixture was made from.
TEST(TpmVerifier, TrusteeVectorFailsTheCurrentNonceRule) {
  Json ev = VectorJson();
  Bytes sha384 = *base::HexDecode(std::string(kVectorExtraData).substr(0, 96));
  auto r = NewVerifier(TrustKey(VectorAk()))->Evaluate({&ev, sha384, std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  EXPECT_NE(r.error().message().find("TPM: nonce mismatch: quote extraData a04182b5"),
            std::string::npos)
      << r.error().message();
  // Without report data but with the AK trusted, the evidence verifies.
  auto ok = NewVerifier(TrustKey(VectorAk()))->Evaluate({&ev, {}, std::nullopt});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ((*ok)[0].tee, "tpm");
  EXPECT_EQ((*ok)[0].claims["ak_trust"], "key");
  // Without configured AKs (Trustee's default) any key could have signed it: refused.
  auto untrusted = NewVerifier()->Evaluate({&ev, {}, std::nullopt});
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().code(), Code::kUnauthenticated);
  EXPECT_NE(untrusted.error().message().find("trusted_ak_keys or trusted_ak_roots"),
            std::string::npos)
      << untrusted.error().message();
}

TEST(TpmVerifier, EveryFlippedQuoteByteIsRejected) {
  Evidence ev = Vector();
  VerifierOptions o = TrustKey(VectorAk());
  Expectations x = Nonce(*base::HexDecode(kVectorExtraData));
  for (size_t i = 0; i < ev.message.size(); ++i) {
    Evidence bad = ev;
    bad.message[i] ^= 0x01;
    auto r = VerifyEvidence(bad, o, x);
    ASSERT_FALSE(r) << "byte " << i;
  }
  for (size_t i = 0; i < ev.signature.size(); ++i) {
    Evidence bad = ev;
    bad.signature[i] ^= 0x80;
    ASSERT_FALSE(VerifyEvidence(bad, o, x)) << "signature byte " << i;
  }
  // A flip inside the signed bytes that still parses is caught by the signature check.
  Attest a = *ParseAttest(ev.message);
  size_t clock_last = 6 + 2 + a.qualified_signer.size() + 2 + a.extra_data.size() + 7;
  Evidence clock = ev;
  clock.message[clock_last] ^= 0x01;
  auto r = VerifyEvidence(clock, o, x);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("TPM: quote signature invalid"), std::string::npos)
      << r.error().message();
}

TEST(TpmVerifier, EveryFlippedPcrByteIsRejected) {
  Evidence ev = Vector();
  VerifierOptions o = TrustKey(VectorAk());
  for (size_t p = 0; p < ev.pcrs.size(); ++p) {
    for (size_t i = 0; i < ev.pcrs[p].size(); ++i) {
      Evidence bad = ev;
      bad.pcrs[p][i] ^= 0x01;
      auto r = VerifyEvidence(bad, o, {});
      ASSERT_FALSE(r) << p << ":" << i;
      ASSERT_EQ(r.error().code(), Code::kUnauthenticated);
      ASSERT_NE(r.error().message().find(
                    "TPM: PCR digest mismatch: quote "
                    "019de64c9318655e422c3d03831169896e31f02a1d74e4d8fef575bf4e0d75fa, computed "),
                std::string::npos)
          << r.error().message();
    }
  }
  Evidence fewer = ev;
  fewer.pcrs.pop_back();
  EXPECT_NE(VerifyEvidence(fewer, o, {}).error().message().find("selects 24 PCRs"),
            std::string::npos);
}

TEST(TpmVerifier, WrongAkIsRejected) {
  auto other = crypto::PrivateKey::Generate(crypto::KeyType::kRsa, 2048);
  ASSERT_TRUE(other);
  // The evidence's AK is not the trusted one.
  auto r = VerifyEvidence(Vector(), TrustKey(other->public_key()), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  EXPECT_NE(r.error().message().find("TPM: AK not trusted"), std::string::npos);
  // The evidence claims another (trusted) AK: the signature does not verify with it.
  Evidence swapped = Vector();
  swapped.ak_spki = *other->public_key().ToDer();
  swapped.ak_public = base::Base64Encode(swapped.ak_spki);
  auto s = VerifyEvidence(swapped, TrustKey(other->public_key()), {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("TPM: quote signature invalid"), std::string::npos);
}

TEST(TpmVerifier, SyntheticSchemes) {
  Bytes rd(48, 0x5a);
  Bytes extra(rd.begin(), rd.begin() + 32);
  struct Case {
    crypto::KeyType key;
    uint16_t alg, hash;
  } cases[] = {{crypto::KeyType::kRsa, kAlgRsaSsa, kAlgSha256},
               {crypto::KeyType::kRsa, kAlgRsaSsa, kAlgSha384},
               {crypto::KeyType::kRsa, kAlgRsaPss, kAlgSha256},
               {crypto::KeyType::kEcP256, kAlgEcdsa, kAlgSha256},
               {crypto::KeyType::kEcP384, kAlgEcdsa, kAlgSha384}};
  for (const Case& c : cases) {
    auto key = crypto::PrivateKey::Generate(c.key, 2048);
    ASSERT_TRUE(key);
    Evidence ev = internal::MakeEvidence(*key, c.alg, c.hash, extra, internal::SamplePcrs());
    Json j = EvidenceToJson(ev);
    auto v = NewVerifier(TrustKey(key->public_key()));
    auto ok = v->Evaluate({&j, rd, std::nullopt});
    ASSERT_TRUE(ok) << AlgName(c.alg) << ": " << ok.error().ToString();
    EXPECT_EQ((*ok)[0].claims["report_data"], base::HexEncode(extra));
    EXPECT_EQ((*ok)[0].claims["quote"]["sig_alg"], AlgName(c.alg));
    Bytes other_rd(48, 0x5b);
    auto bad = v->Evaluate({&j, other_rd, std::nullopt});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message(), "TPM: nonce mismatch: quote extraData " +
                                         base::HexEncode(extra) + ", expected report data " +
                                         base::HexEncode(ByteSpan(other_rd).first(32)));
  }
}

TEST(TpmVerifier, EcdsaAkWithRsaSchemeIsRejected) {
  auto ec = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  auto rsa = crypto::PrivateKey::Generate(crypto::KeyType::kRsa, 2048);
  Evidence ev =
      internal::MakeEvidence(*rsa, kAlgRsaSsa, kAlgSha256, Bytes(32, 1), internal::SamplePcrs());
  ev.ak_spki = *ec->public_key().ToDer();
  ev.ak_public = base::Base64Encode(ev.ak_spki);
  auto r = VerifyEvidence(ev, TrustKey(ec->public_key()), {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("rsassa/sha256 with a P-256 AK"), std::string::npos)
      << r.error().message();
}

TEST(TpmVerifier, InitDataBindsPcr8) {
  Bytes init_digest = crypto::Sha256(ToBytes("initdata toml"));
  Bytes buf(32, 0);
  buf.insert(buf.end(), init_digest.begin(), init_digest.end());
  std::vector<Bytes> pcrs = internal::SamplePcrs();
  pcrs[8] = crypto::Sha256(buf);
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  Evidence ev = internal::MakeEvidence(*key, kAlgEcdsa, kAlgSha256, Bytes(32, 1), pcrs);
  Json j = EvidenceToJson(ev);
  auto v = NewVerifier(TrustKey(key->public_key()));
  auto ok = v->Evaluate({&j, {}, init_digest});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ((*ok)[0].claims["init_data"], base::HexEncode(pcrs[8]));
  auto bad = v->Evaluate({&j, {}, crypto::Sha256(ToBytes("other"))});
  ASSERT_FALSE(bad);
  EXPECT_NE(
      bad.error().message().find("TPM: init-data mismatch: PCR 8 is " + base::HexEncode(pcrs[8])),
      std::string::npos);
}

TEST(TpmVerifier, EventLogReplay) {
  std::vector<internal::SyntheticEvent> events = {
      {0, 0x8, ToBytes("crtm")}, {4, 0x80000003, ToBytes("kernel")}, {7, 0x4, Bytes(4, 0)}};
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  Evidence ev = internal::MakeEvidence(*key, kAlgEcdsa, kAlgSha256, Bytes(32, 1),
                                       internal::ReplayedPcrs(events));
  ev.event_log = internal::MakeEventLog(events);
  auto ok = VerifyEvidence(ev, TrustKey(key->public_key()), {});
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ((*ok)["uefi_event_logs"].size(), 3u);
  EXPECT_EQ((*ok)["uefi_event_logs"][1]["type_name"], "EV_EFI_BOOT_SERVICES_APPLICATION");
  // The log claims another kernel: its replay no longer gives the quoted PCR 4.
  std::vector<internal::SyntheticEvent> forged = events;
  forged[1].data = ToBytes("evil kernel");
  ev.event_log = internal::MakeEventLog(forged);
  auto bad = VerifyEvidence(ev, TrustKey(key->public_key()), {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "TPM: event log replay of PCR 4 (sha256) gives " +
                                       base::HexEncode(internal::ReplayedPcrs(forged)[4]) +
                                       ", quote has " +
                                       base::HexEncode(internal::ReplayedPcrs(events)[4]));
  ev.event_log = Bytes{1, 2, 3};
  auto malformed = VerifyEvidence(ev, TrustKey(key->public_key()), {});
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code(), Code::kInvalidArgument);
}

// Issue 11 item 5: an event for a PCR the quote does not cover, and digests in a bank the quote
// does not cover, are not replayed against anything, so they never become claims.
TEST(TpmVerifier, ClaimsCarryOnlyQuotedPcrsAndReplayedBanks) {
  std::vector<internal::SyntheticEvent> events = {{0, 0x8, ToBytes("crtm")},
                                                  {4, 0x80000003, ToBytes("kernel")},
                                                  {14, 0xd, ToBytes("injected: trusted kernel")}};
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  std::vector<Bytes> pcrs = internal::ReplayedPcrs(events);
  pcrs.resize(10);  // the quote covers PCRs 0..9 of the SHA-256 bank only
  Evidence ev = internal::MakeEvidence(*key, kAlgEcdsa, kAlgSha256, Bytes(32, 1), pcrs);
  ev.event_log = internal::MakeEventLog(events, /*sha384_bank=*/true);
  auto ok = VerifyEvidence(ev, TrustKey(key->public_key()), {});
  ASSERT_TRUE(ok) << ok.error().ToString();
  const Json& logs = (*ok)["uefi_event_logs"];
  ASSERT_EQ(logs.size(), 2u) << logs.dump();
  EXPECT_EQ(logs[0]["index"], 0);
  EXPECT_EQ(logs[1]["index"], 4);
  for (const Json& e : logs) {
    ASSERT_EQ(e["digests"].size(), 1u) << e.dump();
    EXPECT_EQ(e["digests"][0]["alg"], "SHA-256");
    EXPECT_EQ(e["digest_matches_event"], true);
  }
  EXPECT_EQ(logs.dump().find(base::Base64Encode(ToBytes("injected: trusted kernel"))),
            std::string::npos);
}

TEST(TpmVerifier, AkCertificateChain) {
  testutil::TempDir dir;
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  dir.Write("ak.pem", *key->public_key().ToPem());
  std::string d = dir.path().string();
  std::string cmd =
      "cd " + d +
      " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=ak-ca"
      " -days 1 -keyout ca.key -out ca.pem 2>/dev/null"
      " && openssl x509 -new -subj /CN=ak -force_pubkey ak.pem -CA ca.pem -CAkey ca.key -days 1"
      " -outform DER -out ak.der 2>/dev/null"
      " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=other"
      " -days 1 -keyout other.key -out other.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  Evidence ev =
      internal::MakeEvidence(*key, kAlgEcdsa, kAlgSha256, Bytes(32, 1), internal::SamplePcrs());
  ev.ak_cert_chain.push_back(ToBytes(*base::ReadFile(dir.File("ak.der"))));
  VerifierOptions o;
  o.ak_roots = *crypto::Certificate::ParsePemBundle(*base::ReadFile(dir.File("ca.pem")));
  Json j = EvidenceToJson(ev);
  auto parsed = ParseEvidence(j);
  ASSERT_TRUE(parsed);
  auto ok = VerifyEvidence(*parsed, o, {});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ((*ok)["ak_trust"], "certificate");
  VerifierOptions wrong;
  wrong.ak_roots = *crypto::Certificate::ParsePemBundle(*base::ReadFile(dir.File("other.pem")));
  auto bad = VerifyEvidence(*parsed, wrong, {});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("TPM: AK not trusted"), std::string::npos);
  EXPECT_NE(bad.error().message().find("ak_cert_chain does not verify"), std::string::npos);
}

TEST(TpmVerifier, LoadAkForms) {
  crypto::PublicKey ak = VectorAk();
  auto pem = LoadAk(AsBytes(*ak.ToPem()));
  ASSERT_TRUE(pem);
  EXPECT_TRUE(pem->Equals(ak));
  auto der = LoadAk(Vector().ak_spki);
  ASSERT_TRUE(der);
  EXPECT_TRUE(der->Equals(ak));
  Public p;
  p.type = kAlgRsa;
  p.name_alg = kAlgSha256;
  p.object_attributes = kObjRestricted | kObjSign | kObjFixedTpm;
  p.scheme = kAlgRsaSsa;
  p.scheme_hash = kAlgSha256;
  p.rsa_key_bits = 2048;
  p.rsa_modulus = *ak.RsaModulus();
  auto tpmt = LoadAk(MarshalPublic(p));
  ASSERT_TRUE(tpmt) << tpmt.error().ToString();
  EXPECT_TRUE(tpmt->Equals(ak));
  p.object_attributes = kObjSign;  // not restricted: could sign a forged TPMS_ATTEST
  auto unrestricted = LoadAk(MarshalPublic(p));
  ASSERT_FALSE(unrestricted);
  EXPECT_NE(unrestricted.error().message().find("not a restricted signing key"), std::string::npos);
  EXPECT_FALSE(LoadAk(AsBytes("garbage")));
}

TEST(TpmVerifier, MalformedEvidenceIsInvalidArgument) {
  Json ev = VectorJson();
  ev["tpm_quote"]["pcrs"][3] = "zz";
  auto r = NewVerifier()->Evaluate({&ev, {}, std::nullopt});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_NE(r.error().message().find("tpm_quote.pcrs[3]"), std::string::npos);
  Json no_quote = {{"ak_public", "AA=="}};
  EXPECT_EQ(NewVerifier()->Evaluate({&no_quote, {}, std::nullopt}).error().code(),
            Code::kInvalidArgument);
  Json many = VectorJson();
  for (int i = 0; i < 80; ++i) many["tpm_quote"]["pcrs"].push_back(std::string(64, '0'));
  auto m = ParseEvidence(many);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("the limit is 96"), std::string::npos);
}

TEST(TpmVerifier, OfflineNeedsATrustAnchor) {
  OfflineVerifyOptions o;
  o.evidence = ToBytes(testutil::ReadTestdata("tpm/tpm_evidence.json"));
  auto r = VerifyOffline(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  EXPECT_NE(r.error().message().find("give --ak FILE"), std::string::npos);
  testutil::TempDir dir;
  dir.Write("ak.pem", *VectorAk().ToPem());
  o.ak_path = dir.File("ak.pem");
  o.nonce = *base::HexDecode(kVectorExtraData);
  auto ok = VerifyOffline(o);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ((*ok)["ak_trust"], "key");
  o.nonce = Bytes(32, 0);
  EXPECT_NE(VerifyOffline(o).error().message().find("TPM: nonce mismatch"), std::string::npos);
}

}  // namespace
}  // namespace cocoon::tee::tpm
