// Big-endian marshalling of TPMS_ATTEST (quote), TPMT_SIGNATURE and TPMT_PUBLIC.
#include "tee/tpm/marshal.h"

namespace cocoon::tee::tpm {
namespace {

void U8(Bytes& o, uint8_t v) { o.push_back(v); }
void U16(Bytes& o, uint16_t v) {
  o.push_back(static_cast<uint8_t>(v >> 8));
  o.push_back(static_cast<uint8_t>(v));
}
void U32(Bytes& o, uint32_t v) {
  U16(o, static_cast<uint16_t>(v >> 16));
  U16(o, static_cast<uint16_t>(v));
}
void U64(Bytes& o, uint64_t v) {
  U32(o, static_cast<uint32_t>(v >> 32));
  U32(o, static_cast<uint32_t>(v));
}
void B2(Bytes& o, ByteSpan b) {
  U16(o, static_cast<uint16_t>(b.size()));
  o.insert(o.end(), b.begin(), b.end());
}

}  // namespace

Bytes MarshalAttest(const Attest& a) {
  Bytes o;
  U32(o, a.magic);
  U16(o, a.type);
  B2(o, a.qualified_signer);
  B2(o, a.extra_data);
  U64(o, a.clock);
  U32(o, a.reset_count);
  U32(o, a.restart_count);
  U8(o, a.safe ? 1 : 0);
  U64(o, a.firmware_version);
  U32(o, static_cast<uint32_t>(a.pcr_select.size()));
  for (const PcrSelection& s : a.pcr_select) {
    U16(o, s.hash);
    U8(o, 3);
    uint8_t bits[3] = {0, 0, 0};
    for (uint32_t p : s.pcrs) {
      if (p < 24) bits[p / 8] |= static_cast<uint8_t>(1u << (p % 8));
    }
    o.insert(o.end(), bits, bits + 3);
  }
  B2(o, a.pcr_digest);
  return o;
}

Bytes MarshalSignature(const Signature& s) {
  Bytes o;
  U16(o, s.sig_alg);
  U16(o, s.hash);
  if (s.sig_alg == kAlgEcdsa) {
    B2(o, s.ecdsa_r);
    B2(o, s.ecdsa_s);
  } else {
    B2(o, s.rsa_sig);
  }
  return o;
}

Bytes MarshalPublic(const Public& p) {
  Bytes o;
  U16(o, p.type);
  U16(o, p.name_alg);
  U32(o, p.object_attributes);
  U16(o, 0);         // authPolicy
  U16(o, kAlgNull);  // symmetric
  U16(o, p.scheme);
  if (p.scheme != kAlgNull) U16(o, p.scheme_hash);
  if (p.type == kAlgRsa) {
    U16(o, p.rsa_key_bits);
    U32(o, p.rsa_exponent);
    B2(o, p.rsa_modulus);
  } else {
    U16(o, p.curve);
    U16(o, kAlgNull);  // kdf
    B2(o, p.ecc_x);
    B2(o, p.ecc_y);
  }
  return o;
}

}  // namespace cocoon::tee::tpm
