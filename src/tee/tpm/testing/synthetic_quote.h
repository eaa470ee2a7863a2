// Test/bench support: TPM quotes signed by a software key, in the evidence format of tpm.h.
#pragma once

#include <optional>
#include <vector>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/sign.h"
#include "tee/tpm/marshal.h"
#include "tee/tpm/tpm.h"

namespace cocoon::tee::tpm::internal {

// 24 distinct SHA-256 PCR values.
inline std::vector<Bytes> SamplePcrs() {
  std::vector<Bytes> pcrs;
  for (int i = 0; i < 24; ++i) pcrs.push_back(crypto::Sha256(Bytes{static_cast<uint8_t>(i)}));
  return pcrs;
}

// A quote over PCRs 0..N-1 (SHA-256 bank) with `extra` as extraData, signed with `key` by
// `sig_alg` (kAlgRsaSsa / kAlgRsaPss / kAlgEcdsa) and `hash`.
inline Evidence MakeEvidence(const crypto::PrivateKey& key, uint16_t sig_alg, uint16_t hash,
                             ByteSpan extra, const std::vector<Bytes>& pcrs) {
  crypto::HashAlg h = *ToHashAlg(hash, "hash");
  Attest a;
  a.magic = kGeneratedValue;
  a.type = kStAttestQuote;
  a.qualified_signer = Bytes(34, 0x11);
  a.extra_data.assign(extra.begin(), extra.end());
  a.clock = 123456;
  a.reset_count = 1;
  a.restart_count = 2;
  a.safe = true;
  a.firmware_version = 0x2023111700001234;
  PcrSelection sel{kAlgSha256, {}};
  crypto::Hasher hasher(h);
  for (size_t i = 0; i < pcrs.size(); ++i) {
    sel.pcrs.push_back(static_cast<uint32_t>(i));
    hasher.Update(pcrs[i]);
  }
  a.pcr_select.push_back(sel);
  a.pcr_digest = hasher.Finish();
  Evidence ev;
  ev.message = MarshalAttest(a);
  crypto::SignAlg alg;
  int bits = hash == kAlgSha256 ? 0 : hash == kAlgSha384 ? 1 : 2;
  if (sig_alg == kAlgEcdsa) {
    alg = bits == 0   ? crypto::SignAlg::kEs256
          : bits == 1 ? crypto::SignAlg::kEs384
                      : crypto::SignAlg::kEs512;
  } else if (sig_alg == kAlgRsaPss) {
    alg = bits == 0   ? crypto::SignAlg::kPs256
          : bits == 1 ? crypto::SignAlg::kPs384
                      : crypto::SignAlg::kPs512;
  } else {
    alg = bits == 0   ? crypto::SignAlg::kRs256
          : bits == 1 ? crypto::SignAlg::kRs384
                      : crypto::SignAlg::kRs512;
  }
  Bytes raw = *crypto::Sign(key, alg, ev.message);
  Signature s;
  s.sig_alg = sig_alg;
  s.hash = hash;
  if (sig_alg == kAlgEcdsa) {
    s.ecdsa_r.assign(raw.begin(), raw.begin() + raw.size() / 2);
    s.ecdsa_s.assign(raw.begin() + raw.size() / 2, raw.end());
  } else {
    s.rsa_sig = raw;
  }
  ev.signature = MarshalSignature(s);
  ev.pcrs = pcrs;
  ev.ak_spki = *key.public_key().ToDer();
  ev.ak_public = base::Base64Encode(ev.ak_spki);
  return ev;
}

struct SyntheticEvent {
  uint32_t pcr;
  uint32_t type;
  Bytes data;  // the SHA-256 digest recorded is SHA-256(data)
};

// A crypto-agile log with one bank (SHA-256): Spec ID header, then the events. With
// `sha384_bank`, a second bank whose digests are SHA-384("sha384:" || data).
inline Bytes MakeEventLog(const std::vector<SyntheticEvent>& events, bool sha384_bank = false) {
  Bytes o;
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) o.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  auto u16 = [&](uint16_t v) {
    o.push_back(static_cast<uint8_t>(v));
    o.push_back(static_cast<uint8_t>(v >> 8));
  };
  u32(0);
  u32(3);  // EV_NO_ACTION
  o.insert(o.end(), 20, 0);
  Bytes spec = ToBytes(std::string_view("Spec ID Event03\0", 16));
  u32(static_cast<uint32_t>(spec.size() + 4 + 4 + 4 + 4 * (sha384_bank ? 2 : 1) + 1));
  o.insert(o.end(), spec.begin(), spec.end());
  u32(0);  // platformClass
  o.push_back(0);
  o.push_back(2);
  o.push_back(0);
  o.push_back(2);  // uintnSize
  u32(sha384_bank ? 2 : 1);
  u16(kAlgSha256);
  u16(32);
  if (sha384_bank) {
    u16(kAlgSha384);
    u16(48);
  }
  o.push_back(0);  // vendorInfoSize
  for (const SyntheticEvent& e : events) {
    u32(e.pcr);
    u32(e.type);
    u32(sha384_bank ? 2 : 1);
    u16(kAlgSha256);
    Bytes d = crypto::Sha256(e.data);
    o.insert(o.end(), d.begin(), d.end());
    if (sha384_bank) {
      u16(kAlgSha384);
      Bytes tagged = ToBytes("sha384:");
      tagged.insert(tagged.end(), e.data.begin(), e.data.end());
      Bytes d384 = crypto::Sha384(tagged);
      o.insert(o.end(), d384.begin(), d384.end());
    }
    u32(static_cast<uint32_t>(e.data.size()));
    o.insert(o.end(), e.data.begin(), e.data.end());
  }
  return o;
}

// PCR values after replaying `events` on all-zero SHA-256 PCRs 0..23.
inline std::vector<Bytes> ReplayedPcrs(const std::vector<SyntheticEvent>& events) {
  std::vector<Bytes> pcrs(24, Bytes(32, 0));
  for (const SyntheticEvent& e : events) {
    if (e.type == 3) continue;
    Bytes buf = pcrs[e.pcr];
    Bytes d = crypto::Sha256(e.data);
    buf.insert(buf.end(), d.begin(), d.end());
    pcrs[e.pcr] = crypto::Sha256(buf);
  }
  return pcrs;
}

}  // namespace cocoon::tee::tpm::internal
