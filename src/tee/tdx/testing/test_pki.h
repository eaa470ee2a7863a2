// Test-only: an Intel-shaped PKI made with the openssl CLI (root, PCK Platform CA, PCK leaf
// carrying a given SGX extension, TCB signing cert, CRLs) and quotes re-signed under it, so
// every collateral path (CRLs, TCB statuses, QE identity) can be driven from real quote bytes.
#pragma once

#include <functional>
#include <string>

#include "base/bytes.h"
#include "base/json.h"
#include "crypto/keys.h"

namespace cocoon::tee::tdx::testing {

struct TestPki {
  std::string dir;
  std::string root_pem, pck_ca_pem, pck_pem, tcb_pem;
  std::string pck_key_pem, tcb_key_pem;
};

// Runs OpenSSL in `dir`. `sgx_ext_hex`: DER of the PCK SGX extension value.
// `revoke_pck`: the PCK CRL lists the leaf; `revoke_ca`: the root CRL lists the PCK CA.
TestPki MakeTestPki(const std::string& dir, const std::string& sgx_ext_hex, bool revoke_pck = false,
                    bool revoke_ca = false);

// A copy of `quote` with a fresh attestation key, the QE report re-bound and re-signed by
// `pck_key_pem`, the PCK chain replaced by `chain_pem`. `mutate` edits the signed region
// (header + body) before it is signed; `mutate_qe` edits the QE report before it is signed.
Bytes ResignQuote(ByteSpan quote, const std::string& pck_key_pem, const std::string& chain_pem,
                  const std::function<void(Bytes&)>& mutate = {},
                  const std::function<void(Bytes&)>& mutate_qe = {});

// {"<member>": body, "signature": hex(ES256 r||s over the compact body)}.
std::string SignCollateral(std::string_view member, const Json& body, const std::string& key_pem);

// Writes a collateral directory for the PKI: tcb_info.json / qe_identity.json from the given
// bodies (re-signed), issuer chains, pck_crl.pem, root_ca_crl.pem.
void WriteCollateralDir(const TestPki& pki, const std::string& dir, const Json& tcb_info_body,
                        const Json& qe_identity_body);

std::string ReadText(const std::string& path);
void WriteText(const std::string& path, std::string_view text);

}  // namespace cocoon::tee::tdx::testing
