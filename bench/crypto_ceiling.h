// The in-process cost of the cryptography one KBS handshake needs, measured on this machine:
// nonce + session id, runtime-data JCS + SHA-384, tee-pubkey validation, EAR sign (ES256),
// EAR verify (ES256), and the resource JWE (ephemeral P-256 + ECDH + Concat KDF + AES-KW +
// A256GCM).
#pragma once

namespace cocoon::bench {

struct CryptoCost {
  double median_us = 0;  // per handshake, one core
  double Ceiling(int cores) const { return median_us > 0 ? cores * 1e6 / median_us : 0; }
};

// Runs `rounds` batches of `per_round` handshakes' crypto and returns the median per handshake.
CryptoCost MeasureCryptoCost(int rounds = 7, int per_round = 300);

}  // namespace cocoon::bench
