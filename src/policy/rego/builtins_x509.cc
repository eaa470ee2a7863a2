// crypto.x509.parse_certificates, crypto.x509.parse_and_verify_certificates and
// crypto.x509.parse_certificate_request, as OPA defines them. Input: PEM text, or base64 of
// PEM or of DER. Certificates are parsed and chains verified by cocoon's crypto module
// (OpenSSL stays there); the fields are then read from the DER here and written as Go's
// x509.Certificate marshals to JSON (the subset docs/policy.md lists), with SerialNumber and
// RSA moduli as exact integers (bigint.h).
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "crypto/x509.h"
#include "policy/rego/bigint.h"
#include "policy/rego/builtins.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {
namespace {

Opt Fail(std::string msg) {
  SetBuiltinError("eval_builtin_error", std::move(msg));
  return std::nullopt;
}

// ---- a minimal DER reader ----
struct Der {
  uint8_t tag = 0;
  ByteSpan value;  // contents
  ByteSpan whole;  // tag, length and contents
};

// Reads one element from the front of `in`; false if malformed.
bool Next(ByteSpan& in, Der& out) {
  if (in.size() < 2) return false;
  size_t i = 0;
  out.tag = in[i++];
  if ((out.tag & 0x1F) == 0x1F) return false;  // high tag numbers: not in certificates
  size_t len = in[i++];
  if (len & 0x80) {
    size_t n = len & 0x7F;
    if (n == 0 || n > 4 || in.size() < i + n) return false;
    len = 0;
    for (size_t k = 0; k < n; ++k) len = (len << 8) | in[i++];
  }
  if (in.size() - i < len) return false;
  out.value = in.subspan(i, len);
  out.whole = in.subspan(0, i + len);
  in = in.subspan(i + len);
  return true;
}

std::vector<Der> Children(ByteSpan v) {
  std::vector<Der> out;
  Der d;
  while (!v.empty() && Next(v, d)) out.push_back(d);
  return out;
}

std::string B64(ByteSpan b) { return base::Base64Encode(b); }

std::vector<int64_t> OidArcs(ByteSpan v) {
  std::vector<int64_t> arcs;
  int64_t cur = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    cur = (cur << 7) | (v[i] & 0x7F);
    if (!(v[i] & 0x80)) {
      if (arcs.empty()) {
        int64_t first = cur < 80 ? cur / 40 : 2;
        arcs.push_back(first);
        arcs.push_back(cur - first * 40);
      } else {
        arcs.push_back(cur);
      }
      cur = 0;
    }
  }
  return arcs;
}

std::string OidText(ByteSpan v) {
  std::string s;
  for (int64_t a : OidArcs(v)) s += (s.empty() ? "" : ".") + std::to_string(a);
  return s;
}

Json OidJson(ByteSpan v) {
  Json arr = Json::array();
  for (int64_t a : OidArcs(v)) arr.push_back(a);
  return arr;
}

// String values of names (PrintableString, UTF8String, IA5String, T61String, BMPString).
std::string DerString(const Der& d) {
  if (d.tag == 0x1E) {  // BMPString: UTF-16BE
    std::string out;
    for (size_t i = 0; i + 1 < d.value.size(); i += 2) {
      uint32_t c = (d.value[i] << 8) | d.value[i + 1];
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
      } else {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
    return out;
  }
  return std::string(AsString(d.value));
}

// pkix.Name as Go marshals it.
Json NameJson(const Der& name) {
  Json out = {{"Country", nullptr},     {"Organization", nullptr}, {"OrganizationalUnit", nullptr},
              {"Locality", nullptr},    {"Province", nullptr},     {"StreetAddress", nullptr},
              {"PostalCode", nullptr},  {"SerialNumber", ""},      {"CommonName", ""},
              {"Names", Json::array()}, {"ExtraNames", nullptr}};
  for (const Der& rdn : Children(name.value)) {
    for (const Der& atv : Children(rdn.value)) {
      auto parts = Children(atv.value);
      if (parts.size() < 2 || parts[0].tag != 0x06) continue;
      std::string oid = OidText(parts[0].value);
      std::string value = DerString(parts[1]);
      out["Names"].push_back({{"Type", OidJson(parts[0].value)}, {"Value", value}});
      auto add = [&](const char* field) {
        if (out[field].is_null()) out[field] = Json::array();
        out[field].push_back(value);
      };
      if (oid == "2.5.4.6") add("Country");
      if (oid == "2.5.4.10") add("Organization");
      if (oid == "2.5.4.11") add("OrganizationalUnit");
      if (oid == "2.5.4.7") add("Locality");
      if (oid == "2.5.4.8") add("Province");
      if (oid == "2.5.4.9") add("StreetAddress");
      if (oid == "2.5.4.17") add("PostalCode");
      if (oid == "2.5.4.5") out["SerialNumber"] = value;
      if (oid == "2.5.4.3") out["CommonName"] = value;
    }
  }
  return out;
}

// UTCTime / GeneralizedTime as RFC 3339 ("2020-07-10T16:00:30Z").
std::string TimeJson(const Der& t) {
  std::string s(AsString(t.value));
  if (t.tag == 0x17 && s.size() >= 12) {  // YYMMDDHHMMSSZ
    int yy = std::atoi(s.substr(0, 2).c_str());
    s = std::to_string(yy >= 50 ? 1900 + yy : 2000 + yy) + s.substr(2);
  }
  if (s.size() < 14) return s;
  return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" + s.substr(8, 2) + ":" +
         s.substr(10, 2) + ":" + s.substr(12, 2) + "Z";
}

int SignatureAlgorithm(const std::string& oid) {
  static const std::pair<const char*, int> kAlgs[] = {
      {"1.2.840.113549.1.1.2", 1},   {"1.2.840.113549.1.1.4", 2},
      {"1.2.840.113549.1.1.5", 3},   {"1.2.840.113549.1.1.11", 4},
      {"1.2.840.113549.1.1.12", 5},  {"1.2.840.113549.1.1.13", 6},
      {"1.2.840.10040.4.3", 7},      {"2.16.840.1.101.3.4.3.2", 8},
      {"1.2.840.10045.4.1", 9},      {"1.2.840.10045.4.3.2", 10},
      {"1.2.840.10045.4.3.3", 11},   {"1.2.840.10045.4.3.4", 12},
      {"1.2.840.113549.1.1.10", 13}, {"1.3.101.112", 16}};
  for (auto [o, v] : kAlgs) {
    if (oid == o) return v;
  }
  return 0;
}

// SubjectPublicKeyInfo: PublicKeyAlgorithm and PublicKey (RSA {N, E}; ECDSA {X, Y, Curve}).
void PublicKeyJson(const Der& spki, Json& out) {
  out["PublicKeyAlgorithm"] = 0;
  out["PublicKey"] = nullptr;
  auto parts = Children(spki.value);
  if (parts.size() < 2) return;
  auto alg = Children(parts[0].value);
  if (alg.empty()) return;
  std::string oid = OidText(alg[0].value);
  ByteSpan bits = parts[1].value.empty() ? ByteSpan() : parts[1].value.subspan(1);
  if (oid == "1.2.840.113549.1.1.1") {
    out["PublicKeyAlgorithm"] = 1;
    Der seq;
    ByteSpan b = bits;
    if (!Next(b, seq)) return;
    auto ne = Children(seq.value);
    if (ne.size() == 2)
      out["PublicKey"] = {{"N", IntegerFromBytes(ne[0].value)},
                          {"E", IntegerFromBytes(ne[1].value)}};
  } else if (oid == "1.2.840.10040.4.1") {
    out["PublicKeyAlgorithm"] = 2;
  } else if (oid == "1.2.840.10045.2.1") {
    out["PublicKeyAlgorithm"] = 3;
    std::string curve = alg.size() > 1 ? OidText(alg[1].value) : "";
    const char* name = curve == "1.2.840.10045.3.1.7" ? "P-256"
                       : curve == "1.3.132.0.34"      ? "P-384"
                       : curve == "1.3.132.0.35"      ? "P-521"
                                                      : "";
    if (!bits.empty() && bits[0] == 0x04 && bits.size() % 2 == 1) {
      size_t n = (bits.size() - 1) / 2;
      out["PublicKey"] = {{"Curve", {{"Name", name}}},
                          {"X", IntegerFromBytes(bits.subspan(1, n))},
                          {"Y", IntegerFromBytes(bits.subspan(1 + n, n))}};
    }
  } else if (oid == "1.3.101.112") {
    out["PublicKeyAlgorithm"] = 4;
    out["PublicKey"] = B64(bits);
  }
}

// Extensions shared by certificates and requests: the list, and the fields Go derives.
void ExtensionsJson(const std::vector<Der>& exts, Json& out) {
  out["Extensions"] = exts.empty() ? Json(nullptr) : Json::array();
  for (const char* f : {"DNSNames", "EmailAddresses", "IPAddresses", "URIStrings"})
    out[f] = nullptr;
  auto add = [&](const char* field, Json v) {
    if (out[field].is_null()) out[field] = Json::array();
    out[field].push_back(std::move(v));
  };
  for (const Der& ext : exts) {
    auto parts = Children(ext.value);
    if (parts.size() < 2 || parts[0].tag != 0x06) continue;
    bool critical = parts.size() == 3 && parts[1].tag == 0x01 && !parts[1].value.empty() &&
                    parts[1].value[0] != 0;
    const Der& val = parts.back();
    out["Extensions"].push_back(
        {{"Id", OidJson(parts[0].value)}, {"Critical", critical}, {"Value", B64(val.value)}});
    std::string oid = OidText(parts[0].value);
    ByteSpan v = val.value;
    Der inner;
    if (!Next(v, inner)) continue;
    if (oid == "2.5.29.17") {  // subjectAltName
      for (const Der& gn : Children(inner.value)) {
        std::string s(AsString(gn.value));
        switch (gn.tag) {
          case 0x82:
            add("DNSNames", s);
            break;
          case 0x81:
            add("EmailAddresses", s);
            break;
          case 0x86:
            add("URIStrings", s);
            break;
          case 0x87:
            if (gn.value.size() == 4) {
              char buf[32];
              std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", gn.value[0], gn.value[1], gn.value[2],
                            gn.value[3]);
              add("IPAddresses", std::string(buf));
            } else if (gn.value.size() == 16) {
              std::string ip;
              for (size_t i = 0; i < 16; i += 2) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "",
                              (gn.value[i] << 8) | gn.value[i + 1]);
                ip += buf;
              }
              add("IPAddresses", ip);
            }
            break;
          default:
            break;
        }
      }
    } else if (oid == "2.5.29.19") {  // basicConstraints
      out["BasicConstraintsValid"] = true;
      out["MaxPathLen"] = -1;  // Go: -1 when the extension has no pathLenConstraint
      for (const Der& c : Children(inner.value)) {
        if (c.tag == 0x01) out["IsCA"] = !c.value.empty() && c.value[0] != 0;
        if (c.tag == 0x02) {
          out["MaxPathLen"] = IntegerFromBytes(c.value);
          out["MaxPathLenZero"] = out["MaxPathLen"] == 0;
        }
      }
    } else if (oid == "2.5.29.15" && inner.tag == 0x03 && inner.value.size() >= 2) {
      int usage = 0;  // Go's KeyUsage: bit i of the BIT STRING is 1 << i
      for (size_t i = 1; i < inner.value.size() && i < 3; ++i) {
        for (int b = 0; b < 8; ++b) {
          if (inner.value[i] & (0x80 >> b)) usage |= 1 << ((i - 1) * 8 + b);
        }
      }
      out["KeyUsage"] = usage;
    } else if (oid == "2.5.29.37") {  // extKeyUsage
      static const std::pair<const char*, int> kEku[] = {
          {"2.5.29.37.0", 0},       {"1.3.6.1.5.5.7.3.1", 1}, {"1.3.6.1.5.5.7.3.2", 2},
          {"1.3.6.1.5.5.7.3.3", 3}, {"1.3.6.1.5.5.7.3.4", 4}, {"1.3.6.1.5.5.7.3.5", 5},
          {"1.3.6.1.5.5.7.3.6", 6}, {"1.3.6.1.5.5.7.3.7", 7}, {"1.3.6.1.5.5.7.3.8", 8},
          {"1.3.6.1.5.5.7.3.9", 9}};
      for (const Der& k : Children(inner.value)) {
        std::string ko = OidText(k.value);
        bool known = false;
        for (auto [o, n] : kEku) {
          if (ko == o) {
            add("ExtKeyUsage", n);
            known = true;
          }
        }
        if (!known) add("UnknownExtKeyUsage", OidJson(k.value));
      }
    } else if (oid == "2.5.29.14" && inner.tag == 0x04) {
      out["SubjectKeyId"] = B64(inner.value);
    } else if (oid == "2.5.29.35") {
      for (const Der& c : Children(inner.value)) {
        if (c.tag == 0x80) out["AuthorityKeyId"] = B64(c.value);
      }
    }
  }
}

// One certificate (DER already validated by the crypto module) as Go's x509.Certificate.
std::optional<Json> CertificateJson(ByteSpan der) {
  Der cert;
  ByteSpan in = der;
  if (!Next(in, cert)) return std::nullopt;
  auto top = Children(cert.value);
  if (top.size() != 3) return std::nullopt;
  auto tbs = Children(top[0].value);
  size_t i = 0;
  int version = 1;
  if (!tbs.empty() && tbs[0].tag == 0xA0) {
    auto v = Children(tbs[0].value);
    if (!v.empty() && !v[0].value.empty()) version = v[0].value.back() + 1;
    ++i;
  }
  if (tbs.size() < i + 6) return std::nullopt;
  const Der &serial = tbs[i], &issuer = tbs[i + 2], &validity = tbs[i + 3], &subject = tbs[i + 4],
            &spki = tbs[i + 5];
  Json out = Json::object();
  out["Raw"] = B64(cert.whole);
  out["RawTBSCertificate"] = B64(top[0].whole);
  out["RawSubjectPublicKeyInfo"] = B64(spki.whole);
  out["RawSubject"] = B64(subject.whole);
  out["RawIssuer"] = B64(issuer.whole);
  ByteSpan sig = top[2].value.empty() ? ByteSpan() : top[2].value.subspan(1);
  out["Signature"] = B64(sig);
  auto sigalg = Children(top[1].value);
  out["SignatureAlgorithm"] = sigalg.empty() ? 0 : SignatureAlgorithm(OidText(sigalg[0].value));
  PublicKeyJson(spki, out);
  out["Version"] = version;
  bool negative = !serial.value.empty() && (serial.value[0] & 0x80);
  Json sn = IntegerFromBytes(serial.value);
  if (negative) {  // two's complement: value - 2^(8n)
    Bytes modulus(serial.value.size() + 1, 0);
    modulus[0] = 1;
    sn = *IntegerArith('-', sn, IntegerFromBytes(modulus));
  }
  out["SerialNumber"] = sn;
  out["Issuer"] = NameJson(issuer);
  out["Subject"] = NameJson(subject);
  auto times = Children(validity.value);
  out["NotBefore"] = times.size() == 2 ? TimeJson(times[0]) : "";
  out["NotAfter"] = times.size() == 2 ? TimeJson(times[1]) : "";
  out["KeyUsage"] = 0;
  out["BasicConstraintsValid"] = false;
  out["IsCA"] = false;
  out["MaxPathLen"] = 0;
  out["MaxPathLenZero"] = false;
  out["SubjectKeyId"] = nullptr;
  out["AuthorityKeyId"] = nullptr;
  out["ExtKeyUsage"] = nullptr;
  out["UnknownExtKeyUsage"] = nullptr;
  std::vector<Der> exts;
  for (size_t k = i + 6; k < tbs.size(); ++k) {
    if (tbs[k].tag == 0xA3) {
      auto wrapped = Children(tbs[k].value);
      if (!wrapped.empty()) exts = Children(wrapped[0].value);
    }
  }
  ExtensionsJson(exts, out);
  return out;
}

// PEM blocks of `type` in `text`, decoded.
std::optional<std::vector<Bytes>> PemBlocks(std::string_view text, std::string_view type) {
  std::vector<Bytes> out;
  std::string begin = "-----BEGIN " + std::string(type) + "-----";
  std::string end = "-----END " + std::string(type) + "-----";
  size_t at = 0;
  while ((at = text.find(begin, at)) != std::string_view::npos) {
    size_t body = at + begin.size();
    size_t stop = text.find(end, body);
    if (stop == std::string_view::npos) return std::nullopt;
    std::string b64;
    for (char c : text.substr(body, stop - body)) {
      if (!std::isspace(static_cast<unsigned char>(c))) b64 += c;
    }
    auto der = base::Base64DecodeAny(b64);
    if (!der) return std::nullopt;
    out.push_back(std::move(*der));
    at = stop + end.size();
  }
  return out;
}

// OPA's input rule: PEM text, else base64 of PEM or of DER. The DER blobs, or an error.
std::optional<std::vector<Bytes>> Blobs(const std::string& s, std::string_view pem_type,
                                        bool certificates) {
  std::string text = s;
  if (!text.starts_with("-----BEGIN")) {
    auto raw = base::Base64Decode(s);
    if (!raw) {
      size_t bad = 0;  // Go reports the first byte outside the alphabet
      while (bad < s.size() && (std::isalnum(static_cast<unsigned char>(s[bad])) || s[bad] == '+' ||
                                s[bad] == '/' || s[bad] == '=')) {
        ++bad;
      }
      Fail("illegal base64 data at input byte " + std::to_string(std::min(bad, s.size())));
      return std::nullopt;
    }
    text.assign(raw->begin(), raw->end());
    if (!text.starts_with("-----BEGIN")) {
      if (!certificates) return std::vector<Bytes>{Bytes(raw->begin(), raw->end())};
      // concatenated DER certificates
      std::vector<Bytes> out;
      ByteSpan in = *raw;
      Der d;
      while (!in.empty()) {
        if (!Next(in, d)) {
          Fail("x509: malformed certificate");
          return std::nullopt;
        }
        out.emplace_back(d.whole.begin(), d.whole.end());
      }
      return out;
    }
  }
  auto blocks = PemBlocks(text, pem_type);
  if (!blocks || blocks->empty()) {
    Fail(certificates ? "x509: malformed certificate" : "asn1: structure error");
    return std::nullopt;
  }
  return blocks;
}

std::optional<std::vector<crypto::Certificate>> ParseCerts(const Json& arg) {
  if (!arg.is_string()) return std::nullopt;
  auto blobs = Blobs(arg.get<std::string>(), "CERTIFICATE", true);
  if (!blobs) return std::nullopt;
  std::vector<crypto::Certificate> out;
  for (const Bytes& der : *blobs) {
    auto c = crypto::Certificate::FromDer(der);
    if (!c) {
      Fail("x509: malformed certificate");
      return std::nullopt;
    }
    out.push_back(std::move(*c));
  }
  return out;
}

Opt CertsJson(const std::vector<crypto::Certificate>& certs) {
  Json out = Json::array();
  for (const auto& c : certs) {
    auto der = c.ToDer();
    if (!der) return Fail("x509: malformed certificate");
    auto j = CertificateJson(*der);
    if (!j) return Fail("x509: malformed certificate");
    out.push_back(std::move(*j));
  }
  return out;
}

Opt ParseCertificates(const Args& a) {
  auto certs = ParseCerts(a[0]);
  if (!certs) return std::nullopt;
  return CertsJson(*certs);
}

// [true, chain] when the certificates (root first, leaf last) form a valid chain now; else
// [false, []].
Opt ParseAndVerifyCertificates(const Args& a) {
  Json invalid = Json::array({false, Json::array()});
  if (!a[0].is_string()) return std::nullopt;
  auto certs = ParseCerts(a[0]);
  ClearBuiltinError();
  if (!certs || certs->size() < 2) return invalid;
  std::vector<crypto::Certificate> anchors = {certs->front()};
  std::vector<crypto::Certificate> intermediates(certs->begin() + 1, certs->end() - 1);
  if (!crypto::VerifyChain(certs->back(), intermediates, anchors)) return invalid;
  std::vector<crypto::Certificate> chain(certs->rbegin(), certs->rend());  // leaf to root
  auto j = CertsJson(chain);
  if (!j) return invalid;
  return Json::array({true, std::move(*j)});
}

Opt ParseCertificateRequest(const Args& a) {
  if (!a[0].is_string()) return std::nullopt;
  auto blobs = Blobs(a[0].get<std::string>(), "CERTIFICATE REQUEST", false);
  if (!blobs) return std::nullopt;
  ByteSpan in = blobs->front();
  Der csr;
  std::vector<Der> top, info;
  if (Next(in, csr) && csr.tag == 0x30) top = Children(csr.value);
  if (top.size() == 3 && top[0].tag == 0x30) info = Children(top[0].value);
  if (info.size() < 3 || info[0].tag != 0x02 || info[1].tag != 0x30 || info[2].tag != 0x30) {
    return Fail("asn1: structure error: tags don't match");
  }
  Json out = Json::object();
  out["Raw"] = B64(csr.whole);
  out["RawTBSCertificateRequest"] = B64(top[0].whole);
  out["RawSubjectPublicKeyInfo"] = B64(info[2].whole);
  out["RawSubject"] = B64(info[1].whole);
  out["Version"] = info[0].value.empty() ? 0 : info[0].value.back();
  ByteSpan sig = top[2].value.empty() ? ByteSpan() : top[2].value.subspan(1);
  out["Signature"] = B64(sig);
  auto sigalg = Children(top[1].value);
  out["SignatureAlgorithm"] = sigalg.empty() ? 0 : SignatureAlgorithm(OidText(sigalg[0].value));
  PublicKeyJson(info[2], out);
  out["Subject"] = NameJson(info[1]);
  std::vector<Der> exts;  // attributes [0]: extensionRequest (1.2.840.113549.1.9.14)
  if (info.size() > 3 && info[3].tag == 0xA0) {
    for (const Der& attr : Children(info[3].value)) {
      auto parts = Children(attr.value);
      if (parts.size() == 2 && OidText(parts[0].value) == "1.2.840.113549.1.9.14") {
        auto values = Children(parts[1].value);
        if (!values.empty()) exts = Children(values[0].value);
      }
    }
  }
  ExtensionsJson(exts, out);
  out["ExtraExtensions"] = nullptr;
  return out;
}

}  // namespace

const std::vector<std::pair<std::string, Builtin>>& X509Builtins() {
  static const auto* t = new std::vector<std::pair<std::string, Builtin>>{
      {"crypto.x509.parse_certificates", {1, ParseCertificates}},
      {"crypto.x509.parse_and_verify_certificates", {1, ParseAndVerifyCertificates}},
      {"crypto.x509.parse_certificate_request", {1, ParseCertificateRequest}},
  };
  return *t;
}

}  // namespace cocoon::policy::rego
