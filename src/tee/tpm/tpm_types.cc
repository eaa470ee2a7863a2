// TPM 2.0 structure parsers (TCG TPM 2.0 Library Part 2). Field names and table numbers in the
// comments follow Part 2; every read is bounds-checked and every TPM2B size is capped.
#include "tee/tpm/tpm_types.h"

#include <cstdio>

#include "base/byte_reader.h"
#include "base/limits.h"
#include "tee/eventlog/tcg_event_log.h"

namespace cocoon::tee::tpm {
namespace {

using base::ByteReader;

std::string Hex16(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}
std::string Hex32(uint32_t v) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// TPM2B_*: u16 size, then `size` bytes, at most `max`.
Result<Bytes> Tpm2b(ByteReader& r, size_t max, std::string_view field) {
  ASSIGN_OR_RETURN(uint16_t size, r.U16Be(std::string(field) + ".size"));
  if (size > max) {
    return InvalidArgument(std::string(field) + ".size " + std::to_string(size) +
                           " exceeds the limit of " + std::to_string(max));
  }
  ASSIGN_OR_RETURN(ByteSpan b, r.Take(size, field));
  return Bytes(b.begin(), b.end());
}

Result<std::vector<PcrSelection>> ParsePcrSelection(ByteReader& r, std::string_view field) {
  std::string f(field);
  ASSIGN_OR_RETURN(uint32_t count, r.U32Be(f + ".count"));
  if (count > limits::kTpmPcrBanksMax) {
    return InvalidArgument(f + ".count " + std::to_string(count) + " exceeds the limit of " +
                           std::to_string(limits::kTpmPcrBanksMax));
  }
  std::vector<PcrSelection> out;
  for (uint32_t i = 0; i < count; ++i) {
    std::string e = f + ".pcrSelections[" + std::to_string(i) + "]";
    PcrSelection s;
    ASSIGN_OR_RETURN(s.hash, r.U16Be(e + ".hash"));
    if (!HashSize(s.hash)) return InvalidArgument(e + ".hash " + Hex16(s.hash) + " is not a hash");
    for (const PcrSelection& prev : out) {
      if (prev.hash == s.hash) return InvalidArgument(e + ".hash " + AlgName(s.hash) + " repeated");
    }
    ASSIGN_OR_RETURN(uint8_t n, r.U8(e + ".sizeofSelect"));
    if (n > limits::kTpmPcrSelectMaxBytes) {
      return InvalidArgument(e + ".sizeofSelect " + std::to_string(n) + " exceeds the limit of " +
                             std::to_string(limits::kTpmPcrSelectMaxBytes));
    }
    ASSIGN_OR_RETURN(ByteSpan bits, r.Take(n, e + ".pcrSelect"));
    for (uint32_t pcr = 0; pcr < 8u * n; ++pcr) {
      if (bits[pcr / 8] & (1u << (pcr % 8))) s.pcrs.push_back(pcr);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::string AlgName(uint16_t alg) {
  switch (alg) {
    case kAlgSha1:
      return "sha1";
    case kAlgSha256:
      return "sha256";
    case kAlgSha384:
      return "sha384";
    case kAlgSha512:
      return "sha512";
    case kAlgSm3:
      return "sm3_256";
    case kAlgRsa:
      return "rsa";
    case kAlgEcc:
      return "ecc";
    case kAlgRsaSsa:
      return "rsassa";
    case kAlgRsaPss:
      return "rsapss";
    case kAlgEcdsa:
      return "ecdsa";
    case kAlgNull:
      return "null";
    default:
      return Hex16(alg);
  }
}

std::optional<size_t> HashSize(uint16_t alg) { return eventlog::DigestSize(alg); }

Result<crypto::HashAlg> ToHashAlg(uint16_t alg, std::string_view field) {
  if (auto h = eventlog::ReplayHash(alg)) return *h;
  return InvalidArgument(std::string(field) + " " + AlgName(alg) +
                         " is not supported (sha256, sha384, sha512)");
}

Result<Attest> ParseAttest(ByteSpan data) {
  if (data.size() > limits::kTpmAttestMaxBytes) {
    return InvalidArgument("TPMS_ATTEST of " + std::to_string(data.size()) +
                           " bytes exceeds the limit of " +
                           std::to_string(limits::kTpmAttestMaxBytes));
  }
  ByteReader r(data);
  Attest a;
  // Table 125 TPMS_ATTEST.
  ASSIGN_OR_RETURN(a.magic, r.U32Be("TPMS_ATTEST.magic"));
  if (a.magic != kGeneratedValue) {
    return InvalidArgument("TPMS_ATTEST.magic " + Hex32(a.magic) +
                           " is not TPM_GENERATED_VALUE 0xff544347");
  }
  ASSIGN_OR_RETURN(a.type, r.U16Be("TPMS_ATTEST.type"));
  if (a.type != kStAttestQuote) {
    return InvalidArgument("TPMS_ATTEST.type " + Hex16(a.type) +
                           " is not TPM_ST_ATTEST_QUOTE 0x8018");
  }
  ASSIGN_OR_RETURN(a.qualified_signer,
                   Tpm2b(r, limits::kTpmDataMaxBytes, "TPMS_ATTEST.qualifiedSigner"));
  ASSIGN_OR_RETURN(a.extra_data, Tpm2b(r, limits::kTpmDataMaxBytes, "TPMS_ATTEST.extraData"));
  // Table 120 TPMS_CLOCK_INFO.
  ASSIGN_OR_RETURN(a.clock, r.U64Be("TPMS_ATTEST.clockInfo.clock"));
  ASSIGN_OR_RETURN(a.reset_count, r.U32Be("TPMS_ATTEST.clockInfo.resetCount"));
  ASSIGN_OR_RETURN(a.restart_count, r.U32Be("TPMS_ATTEST.clockInfo.restartCount"));
  ASSIGN_OR_RETURN(uint8_t safe, r.U8("TPMS_ATTEST.clockInfo.safe"));
  if (safe > 1) {
    return InvalidArgument("TPMS_ATTEST.clockInfo.safe " + std::to_string(safe) +
                           " is not a TPMI_YES_NO");
  }
  a.safe = safe == 1;
  ASSIGN_OR_RETURN(a.firmware_version, r.U64Be("TPMS_ATTEST.firmwareVersion"));
  // Table 121 TPMS_QUOTE_INFO.
  ASSIGN_OR_RETURN(a.pcr_select, ParsePcrSelection(r, "TPMS_QUOTE_INFO.pcrSelect"));
  ASSIGN_OR_RETURN(a.pcr_digest, Tpm2b(r, limits::kTpmDigestMaxBytes, "TPMS_QUOTE_INFO.pcrDigest"));
  TRY(r.ExpectEnd("TPMS_ATTEST"));
  return a;
}

Result<Signature> ParseSignature(ByteSpan data) {
  ByteReader r(data);
  Signature s;
  // Table 185 TPMT_SIGNATURE.
  ASSIGN_OR_RETURN(s.sig_alg, r.U16Be("TPMT_SIGNATURE.sigAlg"));
  ASSIGN_OR_RETURN(s.hash, r.U16Be("TPMT_SIGNATURE.signature.hash"));
  if (!HashSize(s.hash)) {
    return InvalidArgument("TPMT_SIGNATURE.signature.hash " + Hex16(s.hash) + " is not a hash");
  }
  switch (s.sig_alg) {
    case kAlgRsaSsa:
    case kAlgRsaPss: {  // Table 182 TPMS_SIGNATURE_RSA
      ASSIGN_OR_RETURN(s.rsa_sig,
                       Tpm2b(r, limits::kTpmRsaMaxBytes, "TPMT_SIGNATURE.signature.sig"));
      break;
    }
    case kAlgEcdsa: {  // Table 183 TPMS_SIGNATURE_ECC
      ASSIGN_OR_RETURN(
          s.ecdsa_r, Tpm2b(r, limits::kTpmEccParamMaxBytes, "TPMT_SIGNATURE.signature.signatureR"));
      ASSIGN_OR_RETURN(
          s.ecdsa_s, Tpm2b(r, limits::kTpmEccParamMaxBytes, "TPMT_SIGNATURE.signature.signatureS"));
      break;
    }
    default:
      return InvalidArgument("TPMT_SIGNATURE.sigAlg " + AlgName(s.sig_alg) +
                             " is not supported (rsassa, rsapss, ecdsa)");
  }
  TRY(r.ExpectEnd("TPMT_SIGNATURE"));
  return s;
}

namespace {

// TPMT_SYM_DEF_OBJECT (table 140): algorithm, then keyBits and mode unless TPM_ALG_NULL.
Status SkipSymDef(ByteReader& r) {
  ASSIGN_OR_RETURN(uint16_t alg, r.U16Be("TPMT_PUBLIC.parameters.symmetric.algorithm"));
  if (alg == kAlgNull) return Ok();
  TRY(r.U16Be("TPMT_PUBLIC.parameters.symmetric.keyBits"));
  TRY(r.U16Be("TPMT_PUBLIC.parameters.symmetric.mode"));
  return Ok();
}

// TPMT_RSA_SCHEME / TPMT_ECC_SCHEME (tables 166, 169): scheme, then details. Every signing and
// encryption scheme carries a hashAlg except RSAES (empty); ECDAA adds a u16 count.
Status ParseScheme(ByteReader& r, Public& p) {
  ASSIGN_OR_RETURN(p.scheme, r.U16Be("TPMT_PUBLIC.parameters.scheme.scheme"));
  if (p.scheme == kAlgNull || p.scheme == 0x0015 /* RSAES */) return Ok();
  ASSIGN_OR_RETURN(p.scheme_hash, r.U16Be("TPMT_PUBLIC.parameters.scheme.details.hashAlg"));
  if (p.scheme == 0x001A /* ECDAA */) TRY(r.U16Be("TPMT_PUBLIC.parameters.scheme.details.count"));
  return Ok();
}

}  // namespace

Result<Public> ParsePublic(ByteSpan data) {
  if (data.size() >= 2 && static_cast<size_t>((data[0] << 8) | data[1]) == data.size() - 2) {
    data = data.subspan(2);  // TPM2B_PUBLIC
  }
  ByteReader r(data);
  Public p;
  // Table 191 TPMT_PUBLIC.
  ASSIGN_OR_RETURN(p.type, r.U16Be("TPMT_PUBLIC.type"));
  if (p.type != kAlgRsa && p.type != kAlgEcc) {
    return InvalidArgument("TPMT_PUBLIC.type " + AlgName(p.type) + " is not an RSA or ECC key");
  }
  ASSIGN_OR_RETURN(p.name_alg, r.U16Be("TPMT_PUBLIC.nameAlg"));
  ASSIGN_OR_RETURN(p.object_attributes, r.U32Be("TPMT_PUBLIC.objectAttributes"));
  TRY(Tpm2b(r, limits::kTpmDigestMaxBytes, "TPMT_PUBLIC.authPolicy"));
  TRY(SkipSymDef(r));
  TRY(ParseScheme(r, p));
  if (p.type == kAlgRsa) {
    // Table 180 TPMS_RSA_PARMS, then unique TPM2B_PUBLIC_KEY_RSA.
    ASSIGN_OR_RETURN(p.rsa_key_bits, r.U16Be("TPMT_PUBLIC.parameters.keyBits"));
    ASSIGN_OR_RETURN(p.rsa_exponent, r.U32Be("TPMT_PUBLIC.parameters.exponent"));
    ASSIGN_OR_RETURN(p.rsa_modulus, Tpm2b(r, limits::kTpmRsaMaxBytes, "TPMT_PUBLIC.unique.rsa"));
    if (p.rsa_modulus.size() * 8 != p.rsa_key_bits) {
      return InvalidArgument("TPMT_PUBLIC.unique.rsa has " + std::to_string(p.rsa_modulus.size()) +
                             " bytes for keyBits " + std::to_string(p.rsa_key_bits));
    }
  } else {
    // Table 181 TPMS_ECC_PARMS, then unique TPMS_ECC_POINT.
    ASSIGN_OR_RETURN(p.curve, r.U16Be("TPMT_PUBLIC.parameters.curveID"));
    ASSIGN_OR_RETURN(uint16_t kdf, r.U16Be("TPMT_PUBLIC.parameters.kdf.scheme"));
    if (kdf != kAlgNull) TRY(r.U16Be("TPMT_PUBLIC.parameters.kdf.details.hashAlg"));
    ASSIGN_OR_RETURN(p.ecc_x, Tpm2b(r, limits::kTpmEccParamMaxBytes, "TPMT_PUBLIC.unique.ecc.x"));
    ASSIGN_OR_RETURN(p.ecc_y, Tpm2b(r, limits::kTpmEccParamMaxBytes, "TPMT_PUBLIC.unique.ecc.y"));
  }
  TRY(r.ExpectEnd("TPMT_PUBLIC"));
  p.encoded.assign(data.begin(), data.end());
  return p;
}

Result<Bytes> FixedWidth(ByteSpan v, size_t n, std::string_view field) {
  size_t skip = 0;
  while (v.size() - skip > n && v[skip] == 0) ++skip;
  if (v.size() - skip > n) {
    return InvalidArgument(std::string(field) + " is longer than " + std::to_string(n) + " bytes");
  }
  Bytes out(n - (v.size() - skip), 0);
  out.insert(out.end(), v.begin() + skip, v.end());
  return out;
}

Result<crypto::PublicKey> ToPublicKey(const Public& p) {
  if (p.type == kAlgRsa) {
    uint32_t e = p.rsa_exponent == 0 ? 65537 : p.rsa_exponent;
    Bytes eb = {static_cast<uint8_t>(e >> 24), static_cast<uint8_t>(e >> 16),
                static_cast<uint8_t>(e >> 8), static_cast<uint8_t>(e)};
    return crypto::PublicKey::FromRsa(p.rsa_modulus, eb);
  }
  crypto::KeyType curve;
  switch (p.curve) {
    case kEccNistP256:
      curve = crypto::KeyType::kEcP256;
      break;
    case kEccNistP384:
      curve = crypto::KeyType::kEcP384;
      break;
    case kEccNistP521:
      curve = crypto::KeyType::kEcP521;
      break;
    default:
      return InvalidArgument("TPMT_PUBLIC.parameters.curveID " + Hex16(p.curve) +
                             " is not supported (NIST P-256, P-384, P-521)");
  }
  size_t n = crypto::EcCoordinateSize(curve);
  ASSIGN_OR_RETURN(Bytes x, FixedWidth(p.ecc_x, n, "TPMT_PUBLIC.unique.ecc.x"));
  ASSIGN_OR_RETURN(Bytes y, FixedWidth(p.ecc_y, n, "TPMT_PUBLIC.unique.ecc.y"));
  return crypto::PublicKey::FromEc(curve, x, y);
}

Result<Bytes> ComputeName(const Public& p) {
  ASSIGN_OR_RETURN(crypto::HashAlg h, ToHashAlg(p.name_alg, "TPMT_PUBLIC.nameAlg"));
  Bytes name = {static_cast<uint8_t>(p.name_alg >> 8), static_cast<uint8_t>(p.name_alg)};
  Bytes d = crypto::Digest(h, p.encoded);
  name.insert(name.end(), d.begin(), d.end());
  return name;
}

}  // namespace cocoon::tee::tpm
