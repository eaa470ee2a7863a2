// Fuzz target: the crypto parsers of untrusted bytes — X.509 DER/PEM (bundles), SPKI DER, public
// and private key PEM. Anything that parses must also survive its accessors and re-encoding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "crypto/keys.h"
#include "crypto/x509.h"

namespace {

using cocoon::ByteSpan;
using cocoon::crypto::Certificate;
using cocoon::crypto::PrivateKey;
using cocoon::crypto::PublicKey;

void ExerciseCertificate(const Certificate& c) {
  (void)c.Subject();
  (void)c.SubjectCommonName();
  (void)c.ExtensionValue("1.3.6.1.4.1.3704.1.4");
  auto der = c.ToDer();
  if (!der || !Certificate::FromDer(*der)) std::abort();  // what parsed must re-encode
  if (auto key = c.public_key()) (void)c.VerifySignedBy(*key);
}

void ExercisePublicKey(const PublicKey& k) {
  auto der = k.ToDer();
  if (!der) std::abort();
  auto back = PublicKey::FromDer(*der);
  if (!back || !back->Equals(k)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto c = Certificate::FromDer(in)) ExerciseCertificate(*c);
  if (auto certs = Certificate::ParsePemBundle(text)) {
    for (const Certificate& c : *certs) ExerciseCertificate(c);
  }
  if (auto k = PublicKey::FromDer(in)) ExercisePublicKey(*k);
  if (auto k = PublicKey::FromPem(text)) ExercisePublicKey(*k);
  if (auto k = PrivateKey::FromPem(text)) ExercisePublicKey(k->public_key());
  return 0;
}
