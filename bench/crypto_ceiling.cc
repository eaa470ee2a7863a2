// Crypto ceiling for the KBS handshake benchmark.
#include "bench/crypto_ceiling.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "attestation/ear.h"
#include "attestation/service.h"
#include "base/encoding.h"
#include "crypto/random.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "jose/jwt.h"

namespace cocoon::bench {

CryptoCost MeasureCryptoCost(int rounds, int per_round) {
  auto tee_key = *crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  Json jwk = Json::parse(jose::PublicKeyToJwk(tee_key.public_key(), "ECDH-ES+A256KW").dump());
  auto issuer = *attestation::EarIssuer::Create({});
  attestation::EarSubmod sub{"cpu0", {{"hardware", 97}}, {{"sample", {{"svn", "1"}}}}};
  Bytes secret(32, 0x5a);
  std::vector<double> per_handshake_us;
  for (int r = 0; r < rounds; ++r) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < per_round; ++i) {
      Bytes nonce = *crypto::RandomBytes(32);
      Bytes sid = *crypto::RandomBytes(16);
      Json rd = {
          {"tee-pubkey", jwk}, {"nonce", base::Base64Encode(nonce)}, {"additional-evidence", ""}};
      Bytes digest = *attestation::RuntimeDataDigest(rd, crypto::HashAlg::kSha384);
      auto key = *jose::PublicKeyFromJwk(jwk);
      std::string token = *issuer.Issue({sub}, 1'800'000'000);
      jose::JwtValidation v;
      v.now = 1'800'000'000;
      auto claims = jose::VerifyJwt(token, issuer.public_key(), crypto::SignAlg::kEs256, v);
      auto jwe = jose::EncryptFlattened(key, jose::KeyAlg::kEcdhEsA256kw, secret);
      if (!claims || !jwe || digest.empty() || sid.empty()) return {};
    }
    double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    per_handshake_us.push_back(us / per_round);
  }
  std::sort(per_handshake_us.begin(), per_handshake_us.end());
  return {per_handshake_us[per_handshake_us.size() / 2]};
}

}  // namespace cocoon::bench
