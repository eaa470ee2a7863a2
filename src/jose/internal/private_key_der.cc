// Minimal DER writer for the two private-key structures a JWK can describe but crypto/ cannot
// construct from components. Input is already-decoded JWK members; output is wiped on exit.
#include "jose/internal/private_key_der.h"

#include <string>

#include "base/encoding.h"

namespace cocoon::jose::internal {
namespace {

// Volatile stores so the wipe of a buffer about to die is not optimised away.
void WipeString(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}
void Wipe(Bytes& b) {
  volatile uint8_t* p = b.data();
  for (size_t i = 0; i < b.size(); ++i) p[i] = 0;
}

void AppendLength(Bytes& out, size_t len) {
  if (len < 0x80) {
    out.push_back(static_cast<uint8_t>(len));
    return;
  }
  Bytes be;
  for (size_t v = len; v != 0; v >>= 8) be.insert(be.begin(), static_cast<uint8_t>(v & 0xff));
  out.push_back(static_cast<uint8_t>(0x80 | be.size()));
  out.insert(out.end(), be.begin(), be.end());
}

void AppendTlv(Bytes& out, uint8_t tag, ByteSpan value) {
  out.push_back(tag);
  AppendLength(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

// DER INTEGER of an unsigned big-endian value: minimal, with a 0x00 prefix if the top bit is set.
void AppendUnsigned(Bytes& out, ByteSpan be) {
  size_t i = 0;
  while (i < be.size() && be[i] == 0) ++i;
  Bytes v;
  if (i == be.size() || (be[i] & 0x80) != 0) v.push_back(0);
  v.insert(v.end(), be.begin() + static_cast<ptrdiff_t>(i), be.end());
  AppendTlv(out, 0x02, v);
  Wipe(v);  // may hold a private component
}

crypto::SecretBytes Finish(Bytes& buf) {
  crypto::SecretBytes out(buf);
  Wipe(buf);
  return out;
}

}  // namespace

crypto::SecretBytes RsaPkcs8Der(const RsaPrivateComponents& c) {
  Bytes fields;
  const uint8_t zero = 0;
  AppendUnsigned(fields, ByteSpan(&zero, 1));  // version two-prime
  for (ByteSpan v : {c.n, c.e, c.d, c.p, c.q, c.dp, c.dq, c.qi}) AppendUnsigned(fields, v);
  Bytes rsa_key;
  AppendTlv(rsa_key, 0x30, fields);
  Wipe(fields);

  // version 0, AlgorithmIdentifier { rsaEncryption, NULL }
  static constexpr uint8_t kPrefix[] = {0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
                                        0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
  Bytes info(std::begin(kPrefix), std::end(kPrefix));
  AppendTlv(info, 0x04, rsa_key);
  Wipe(rsa_key);
  Bytes der;
  AppendTlv(der, 0x30, info);
  Wipe(info);
  return Finish(der);
}

crypto::SecretBytes Ed25519Pkcs8Der(ByteSpan seed) {
  // SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }
  static constexpr uint8_t kPrefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                        0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
  Bytes der(std::begin(kPrefix), std::end(kPrefix));
  der.insert(der.end(), seed.begin(), seed.end());
  return Finish(der);
}

Result<crypto::PrivateKey> PrivateKeyFromPkcs8(const crypto::SecretBytes& der) {
  std::string b64 = base::Base64Encode(der.span());
  std::string pem = "-----BEGIN PRIVATE KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    pem.append(b64, i, 64);
    pem.push_back('\n');
  }
  pem += "-----END PRIVATE KEY-----\n";
  WipeString(b64);
  auto key = crypto::PrivateKey::FromPem(pem);
  WipeString(pem);
  return key;
}

}  // namespace cocoon::jose::internal
