// Test PKI and quote forging for the TDX tests (see test_pki.h).
#include "tee/tdx/testing/test_pki.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/sign.h"
#include "tee/tdx/quote.h"

namespace cocoon::tee::tdx::testing {
namespace {

constexpr const char* kScript = R"SH(set -e
cd "$1"; EXT="$2"; REVOKE_PCK="$3"; REVOKE_CA="$4"
mkdir -p db; : > db/index.txt; echo 01 > db/crlnumber; : > db/index_ca.txt; echo 01 > db/crlnumber_ca
printf '%s\n' '[ca]' 'default_ca = pck' '[pck]' 'database = db/index.txt' 'crlnumber = db/crlnumber' \
  'default_md = sha256' 'default_crl_days = 30' '[root]' 'database = db/index_ca.txt' \
  'crlnumber = db/crlnumber_ca' 'default_md = sha256' 'default_crl_days = 30' '[ext_ca]' \
  'basicConstraints = critical,CA:true,pathlen:1' 'keyUsage = critical,keyCertSign,cRLSign' \
  '[ext_leaf]' 'basicConstraints = critical,CA:false' \
  'keyUsage = critical,digitalSignature,nonRepudiation' "1.2.840.113741.1.13.1 = DER:$EXT" \
  '[ext_tcb]' 'basicConstraints = critical,CA:false' \
  'keyUsage = critical,digitalSignature,nonRepudiation' > ca.cnf
subj() { echo "/CN=$1/O=Intel Corporation/L=Santa Clara/ST=CA/C=US"; }
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.ec" && openssl pkcs8 -topk8 -nocrypt -in "$1.ec" -out "$1.key"; }
key root; key pckca; key pck; key tcb
openssl req -x509 -new -key root.key -subj "$(subj 'Intel SGX Root CA')" -days 7300 -out root.pem \
  -addext basicConstraints=critical,CA:true,pathlen:1 -addext keyUsage=critical,keyCertSign,cRLSign
sign() {
  openssl req -new -key "$1.key" -subj "$(subj "$2")" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -set_serial "$5" -days 3650 \
    -extfile ca.cnf -extensions "$4" -out "$1.pem"
}
sign pckca 'Intel SGX PCK Platform CA' root ext_ca 0x1001
sign tcb 'Intel SGX TCB Signing' root ext_tcb 0x1002
sign pck 'Intel SGX PCK Certificate' pckca ext_leaf 0x2001
if [ "$REVOKE_PCK" = 1 ]; then openssl ca -config ca.cnf -name pck -revoke pck.pem -keyfile pckca.key -cert pckca.pem; fi
if [ "$REVOKE_CA" = 1 ]; then openssl ca -config ca.cnf -name root -revoke pckca.pem -keyfile root.key -cert root.pem; fi
openssl ca -config ca.cnf -name pck -gencrl -keyfile pckca.key -cert pckca.pem -out pck_crl.pem
openssl ca -config ca.cnf -name root -gencrl -keyfile root.key -cert root.pem -out root_ca_crl.pem
)SH";

void Put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void Put32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

TestPki MakeTestPki(const std::string& dir, const std::string& ext_hex, bool revoke_pck,
                    bool revoke_ca) {
  std::filesystem::create_directories(dir);
  WriteText(dir + "/make.sh", kScript);
  std::string cmd = "sh '" + dir + "/make.sh' '" + dir + "' " + ext_hex + " " +
                    (revoke_pck ? "1" : "0") + " " + (revoke_ca ? "1" : "0") + " >'" + dir +
                    "/make.log' 2>&1";
  int rc = std::system(cmd.c_str());
  if (rc != 0)
    std::fprintf(stderr, "test PKI: openssl failed:\n%s\n", ReadText(dir + "/make.log").c_str());
  TestPki p;
  p.dir = dir;
  p.root_pem = ReadText(dir + "/root.pem");
  p.pck_ca_pem = ReadText(dir + "/pckca.pem");
  p.pck_pem = ReadText(dir + "/pck.pem");
  p.tcb_pem = ReadText(dir + "/tcb.pem");
  p.pck_key_pem = ReadText(dir + "/pck.key");
  p.tcb_key_pem = ReadText(dir + "/tcb.key");
  return p;
}

Bytes ResignQuote(ByteSpan quote, const std::string& pck_key_pem, const std::string& chain_pem,
                  const std::function<void(Bytes&)>& mutate,
                  const std::function<void(Bytes&)>& mutate_qe) {
  Quote q = ParseQuote(quote).value();
  Bytes signed_region(q.signed_region.begin(), q.signed_region.end());
  if (mutate) mutate(signed_region);
  auto ak = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256).value();
  Bytes ak_raw = ak.public_key().EcX().value();
  Bytes y = ak.public_key().EcY().value();
  ak_raw.insert(ak_raw.end(), y.begin(), y.end());
  Bytes qe(q.qe_report.raw.begin(), q.qe_report.raw.end());
  Bytes bound = ak_raw;
  bound.insert(bound.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
  Bytes h = crypto::Sha256(bound);
  std::copy(h.begin(), h.end(), qe.begin() + 320);
  std::fill(qe.begin() + 352, qe.end(), 0);
  if (mutate_qe) mutate_qe(qe);
  auto pck = crypto::PrivateKey::FromPem(pck_key_pem).value();
  Bytes qe_sig = crypto::Sign(pck, crypto::SignAlg::kEs256, qe).value();
  Bytes quote_sig = crypto::Sign(ak, crypto::SignAlg::kEs256, signed_region).value();

  Bytes cert;  // certification data type 6
  cert.insert(cert.end(), qe.begin(), qe.end());
  cert.insert(cert.end(), qe_sig.begin(), qe_sig.end());
  Put16(cert, static_cast<uint16_t>(q.qe_auth_data.size()));
  cert.insert(cert.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
  Put16(cert, 5);
  Put32(cert, static_cast<uint32_t>(chain_pem.size()));
  cert.insert(cert.end(), chain_pem.begin(), chain_pem.end());
  Bytes sig;
  sig.insert(sig.end(), quote_sig.begin(), quote_sig.end());
  sig.insert(sig.end(), ak_raw.begin(), ak_raw.end());
  Put16(sig, 6);
  Put32(sig, static_cast<uint32_t>(cert.size()));
  sig.insert(sig.end(), cert.begin(), cert.end());
  Bytes out = signed_region;
  Put32(out, static_cast<uint32_t>(sig.size()));
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

std::string SignCollateral(std::string_view member, const Json& body, const std::string& key_pem) {
  std::string text = base::DumpJson(body);
  auto key = crypto::PrivateKey::FromPem(key_pem).value();
  Bytes sig = crypto::Sign(key, crypto::SignAlg::kEs256, AsBytes(text)).value();
  return "{\"" + std::string(member) + "\":" + text + ",\"signature\":\"" + base::HexEncode(sig) +
         "\"}";
}

void WriteCollateralDir(const TestPki& pki, const std::string& dir, const Json& tcb_info_body,
                        const Json& qe_identity_body) {
  std::filesystem::create_directories(dir);
  WriteText(dir + "/tcb_info.json", SignCollateral("tcbInfo", tcb_info_body, pki.tcb_key_pem));
  WriteText(dir + "/qe_identity.json",
            SignCollateral("enclaveIdentity", qe_identity_body, pki.tcb_key_pem));
  WriteText(dir + "/tcb_info_issuer_chain.pem", pki.tcb_pem + pki.root_pem);
  WriteText(dir + "/qe_identity_issuer_chain.pem", pki.tcb_pem + pki.root_pem);
  WriteText(dir + "/pck_crl_issuer_chain.pem", pki.pck_ca_pem + pki.root_pem);
  WriteText(dir + "/pck_crl.pem", ReadText(pki.dir + "/pck_crl.pem"));
  WriteText(dir + "/root_ca_crl.pem", ReadText(pki.dir + "/root_ca_crl.pem"));
}

}  // namespace cocoon::tee::tdx::testing
