// crypto.x509.* as OPA's builtin reference defines them, over a test CA made for these tests
// (P-256 root and leaf, 100-year validity, leaf serial 0x0123456789abcdef0123456789abcdef).
#include <gtest/gtest.h>

#include <string>

#include "policy/rego/table_test_util.h"

namespace cocoon::policy {
namespace {

using regotest::RunRegoTable;

const std::string kPems = R"pem(
root := `-----BEGIN CERTIFICATE-----
MIIByTCCAW+gAwIBAgIUZZzo1j1v28B64uY/NqnfyKqSzmowCgYIKoZIzj0EAwIw
MTEUMBIGA1UECgwLQ29jb29uIFRlc3QxGTAXBgNVBAMMEENvY29vbiBUZXN0IFJv
b3QwIBcNMjYxMjA3MTgwNjE0WhgPMjEyNjExMTMxODA2MTRaMDExFDASBgNVBAoM
C0NvY29vbiBUZXN0MRkwFwYDVQQDDBBDb2Nvb24gVGVzdCBSb290MFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEcILERDELqMx1yU6f0oRLWKcmdsSi5OLsEg8CWjgG
87LVc8aQCjgASX+at31M5rzmJb4QEQ1SN6jV377D6Y0HyKNjMGEwHQYDVR0OBBYE
FOqClTvQL/rnug1PdGTVh96nrt8/MB8GA1UdIwQYMBaAFOqClTvQL/rnug1PdGTV
h96nrt8/MA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgIEMAoGCCqGSM49
BAMCA0gAMEUCIQCZA0Nlm8PGAy7VPqSdrY0ubBsU6AMHFoYp3h77iBOKTAIgPoNJ
nUpGnjX8utNn2fzQ7I4gdrHTd/LVmNPzwJHXyGE=
-----END CERTIFICATE-----`

leaf := `-----BEGIN CERTIFICATE-----
MIIBtTCCAVygAwIBAgIQASNFZ4mrze8BI0VniavN7zAKBggqhkjOPQQDAjAxMRQw
EgYDVQQKDAtDb2Nvb24gVGVzdDEZMBcGA1UEAwwQQ29jb29uIFRlc3QgUm9vdDAg
Fw0yNjEyMDcxODA2MTVaGA8yMTI2MTExMzE4MDYxNVowFjEUMBIGA1UEAwwLa2Jz
LmV4YW1wbGUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARX7ngxDmh1fUx7Mg8c
6/RLfrb9QfRxPpGEQ/GlQYg4bLWx6pZ4gCVhzJl8X1v0tK/OPVZaUhaz5RFHEF8T
MQbYo28wbTArBgNVHREEJDAiggtrYnMuZXhhbXBsZYYTc3BpZmZlOi8vY29jb29u
L2ticzAdBgNVHQ4EFgQUolFZD22eKt2mZgHA9psfG9jzcIIwHwYDVR0jBBgwFoAU
6oKVO9Av+ue6DU90ZNWH3qeu3z8wCgYIKoZIzj0EAwIDRwAwRAIgUJA76rHXcMWQ
gv7JwmDWpaFauhMsFuaeOPDpTFkHdHYCIBjvldXPXKwpPB0NuVMAYKzjvg+kIqcA
yGdsDpRtQ0yu
-----END CERTIFICATE-----`

csr := `-----BEGIN CERTIFICATE REQUEST-----
MIIBDjCBtgIBADAWMRQwEgYDVQQDDAtrYnMuZXhhbXBsZTBZMBMGByqGSM49AgEG
CCqGSM49AwEHA0IABFfueDEOaHV9THsyDxzr9Et+tv1B9HE+kYRD8aVBiDhstbHq
lniAJWHMmXxfW/S0r849VlpSFrPlEUcQXxMxBtigPjA8BgkqhkiG9w0BCQ4xLzAt
MCsGA1UdEQQkMCKCC2ticy5leGFtcGxlhhNzcGlmZmU6Ly9jb2Nvb24va2JzMAoG
CCqGSM49BAMCA0cAMEQCIAPIOcxy0M8C58nCgdSlwTyamU2G/DEVSk6zvkrDc4el
AiB7dPqA6JGBvpSzmTi8qJdRbU61MCPf/IFT5oiCOcMq8w==
-----END CERTIFICATE REQUEST-----`
)pem";

TEST(RegoX509, ParseCertificates) {
  std::string prelude = "package p\nimport rego.v1\n" + kPems;
  RunRegoTable(
      {
          {"subject and SANs",
           "c := crypto.x509.parse_certificates(leaf)[0]\n"
           "x := [c.Subject.CommonName, c.DNSNames, c.URIStrings, c.Issuer.Organization, c.IsCA]",
           "{}",
           R"(["kbs.example",["kbs.example"],["spiffe://cocoon/kbs"],["Cocoon Test"],false])"},
          {"a 128-bit serial is exact",
           "c := crypto.x509.parse_certificates(leaf)[0]\n"
           "x := [c.SerialNumber == 1512366075204170929049582354406559215, "
           "sprintf(\"%d\", [c.SerialNumber])]",
           "{}", R"([true,"1512366075204170929049582354406559215"])"},
          {"root is a CA without SANs",
           "c := crypto.x509.parse_certificates(root)[0]\n"
           "x := [c.IsCA, c.BasicConstraintsValid, c.DNSNames, c.Subject.CommonName, c.Version, "
           "c.PublicKeyAlgorithm, c.SignatureAlgorithm]",
           "{}", R"([true,true,null,"Cocoon Test Root",3,3,10])"},
          {"base64 of PEM, two certificates",
           "x := [c.Subject.CommonName | some c in "
           "crypto.x509.parse_certificates(base64.encode(concat(\"\\n\", [leaf, root])))]",
           "{}", R"(["kbs.example","Cocoon Test Root"])"},
          {"not a certificate is undefined", "x := crypto.x509.parse_certificates(\"Zm9v\")", "{}",
           "undefined"},
      },
      prelude);
}

TEST(RegoX509, VerifyAndRequests) {
  std::string prelude = "package p\nimport rego.v1\n" + kPems;
  RunRegoTable(
      {
          {"root first, leaf last verifies; the chain comes back leaf first",
           "r := crypto.x509.parse_and_verify_certificates(concat(\"\\n\", [root, leaf]))\n"
           "x := [r[0], [c.Subject.CommonName | some c in r[1]]]",
           "{}", R"([true,["kbs.example","Cocoon Test Root"]])"},
          {"leaf alone does not verify", "x := crypto.x509.parse_and_verify_certificates(leaf)",
           "{}", "[false,[]]"},
          {"wrong order does not verify",
           "x := crypto.x509.parse_and_verify_certificates(concat(\"\\n\", [leaf, root]))[0]", "{}",
           "false"},
          {"certificate request",
           "r := crypto.x509.parse_certificate_request(csr)\n"
           "x := [r.Subject.CommonName, r.DNSNames, r.URIStrings]",
           "{}", R"(["kbs.example",["kbs.example"],["spiffe://cocoon/kbs"]])"},
      },
      prelude);
}

}  // namespace
}  // namespace cocoon::policy
