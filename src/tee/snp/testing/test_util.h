// Test support for the SNP tests: the real vectors of testdata/snp and the synthetic Turin chain
// of snp/testdata (gen_synthetic.py), plus report signing with the synthetic VCEK key.
#pragma once

#include <algorithm>
#include <string>

#include "base/bytes.h"
#include "base/file.h"
#include "crypto/keys.h"
#include "crypto/sign.h"
#include "tee/snp/report.h"
#include "testutil/testdata.h"

namespace cocoon::tee::snp::testing {

inline Bytes Vector(std::string_view name) {
  return ToBytes(testutil::ReadTestdata("snp/" + std::string(name)));
}

inline std::string SyntheticPath(std::string_view name) {
  return std::string(COCOON_SOURCE_DIR) + "/src/tee/snp/testdata/" + std::string(name);
}
inline Bytes Synthetic(std::string_view name) {
  return ToBytes(base::ReadFile(SyntheticPath(name)).value_or(""));
}

// 2025-06-01T00:00:00Z: inside every real certificate's validity (the VLEK expired 2025-12-10).
inline constexpr int64_t kMid2025 = 1748736000;

// Signs `r` with the synthetic Turin VCEK key and returns the 1184 bytes.
inline Bytes SignSynthetic(Report r) {
  auto key = crypto::PrivateKey::FromPem(ToString(Synthetic("turin_vcek_key.pem")));
  if (!key) return {};
  Bytes body = EncodeReport(r);
  auto sig = crypto::Sign(*key, crypto::SignAlg::kEs384, ByteSpan(body).first(kSignedSize));
  if (!sig || sig->size() != 96) return {};
  r.sig_r.fill(0);
  r.sig_s.fill(0);
  std::reverse_copy(sig->begin(), sig->begin() + 48, r.sig_r.begin());
  std::reverse_copy(sig->begin() + 48, sig->end(), r.sig_s.begin());
  return EncodeReport(r);
}

// A v5 Turin report matching the synthetic VCEK (TCB fmc 5 bl 2 tee 1 snp 24 ucode 200, chip
// id 0x40..0x7f).
inline Report SyntheticTurinReport() {
  Report r;
  r.version = 5;
  r.guest_svn = 7;
  r.policy.raw = 0x30000;
  r.signature_algo = 1;
  r.cpuid_fam_id = 0x1A;
  r.cpuid_mod_id = 0x02;
  r.cpuid_step = 1;
  Tcb tcb{.fmc = 5, .bootloader = 2, .tee = 1, .snp = 24, .microcode = 200};
  r.current_tcb = r.reported_tcb = r.committed_tcb = r.launch_tcb = EncodeTcb(tcb, Product::kTurin);
  for (size_t i = 0; i < 64; ++i) r.chip_id[i] = static_cast<uint8_t>(0x40 + i);
  for (size_t i = 0; i < 48; ++i) r.measurement[i] = static_cast<uint8_t>(i);
  r.platform_info.raw = 0x3;
  r.current = {1, 58, 7};
  r.committed = {1, 58, 7};
  r.launch_mit_vector = 0x11;
  r.current_mit_vector = 0x13;
  return r;
}

}  // namespace cocoon::tee::snp::testing
