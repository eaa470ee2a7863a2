// TDX quote v4/v5 parser. Every read goes through ByteReader; nothing is committed to the
// output until the whole quote parsed (trailing bytes are an error).
#include "tee/tdx/quote.h"

#include "base/byte_reader.h"

namespace cocoon::tee::tdx {
namespace {

using base::ByteReader;

Result<QuoteHeader> ParseHeader(ByteReader& r) {
  QuoteHeader h;
  ASSIGN_OR_RETURN(h.raw, r.Take(kQuoteHeaderSize, "quote header"));
  ByteReader hr(h.raw);
  ASSIGN_OR_RETURN(h.version, hr.U16Le("header.version"));
  ASSIGN_OR_RETURN(h.att_key_type, hr.U16Le("header.att_key_type"));
  ASSIGN_OR_RETURN(h.tee_type, hr.U32Le("header.tee_type"));
  ASSIGN_OR_RETURN(h.reserved, hr.Take(4, "header.reserved"));
  ASSIGN_OR_RETURN(h.qe_vendor_id, hr.Take(16, "header.qe_vendor_id"));
  ASSIGN_OR_RETURN(h.user_data, hr.Take(20, "header.user_data"));
  if (h.version != 4 && h.version != 5) {
    return InvalidArgument("header.version " + std::to_string(h.version) +
                           " unsupported (want 4 or 5)");
  }
  if (h.tee_type != kTeeTypeTdx) {
    return InvalidArgument("header.tee_type " + std::to_string(h.tee_type) + " is not TDX (0x81)");
  }
  if (h.att_key_type != kAttKeyEcdsaP256) {
    return InvalidArgument("header.att_key_type " + std::to_string(h.att_key_type) +
                           " unsupported (want 2, ECDSA P-256)");
  }
  return h;
}

Result<TdReport> ParseBody(ByteSpan body) {
  ByteReader r(body);
  TdReport b;
  ASSIGN_OR_RETURN(b.tee_tcb_svn, r.Take(16, "body.tee_tcb_svn"));
  ASSIGN_OR_RETURN(b.mr_seam, r.Take(48, "body.mr_seam"));
  ASSIGN_OR_RETURN(b.mrsigner_seam, r.Take(48, "body.mrsigner_seam"));
  ASSIGN_OR_RETURN(b.seam_attributes, r.Take(8, "body.seam_attributes"));
  ASSIGN_OR_RETURN(b.td_attributes, r.Take(8, "body.td_attributes"));
  ASSIGN_OR_RETURN(b.xfam, r.Take(8, "body.xfam"));
  ASSIGN_OR_RETURN(b.mr_td, r.Take(48, "body.mr_td"));
  ASSIGN_OR_RETURN(b.mr_config_id, r.Take(48, "body.mr_config_id"));
  ASSIGN_OR_RETURN(b.mr_owner, r.Take(48, "body.mr_owner"));
  ASSIGN_OR_RETURN(b.mr_owner_config, r.Take(48, "body.mr_owner_config"));
  for (int i = 0; i < 4; ++i) {
    ASSIGN_OR_RETURN(b.rtmr[i], r.Take(48, "body.rtmr"));
  }
  ASSIGN_OR_RETURN(b.report_data, r.Take(64, "body.report_data"));
  if (body.size() == kTdReport15Size) {
    ASSIGN_OR_RETURN(b.tee_tcb_svn2, r.Take(16, "body.tee_tcb_svn2"));
    ASSIGN_OR_RETURN(b.mr_servicetd, r.Take(48, "body.mr_servicetd"));
  }
  TRY(r.ExpectEnd("body"));
  return b;
}

Result<QeReport> ParseQeReport(ByteSpan raw) {
  ByteReader r(raw);
  QeReport q;
  q.raw = raw;
  ASSIGN_OR_RETURN(q.cpu_svn, r.Take(16, "qe_report.cpu_svn"));
  ASSIGN_OR_RETURN(q.miscselect, r.U32Le("qe_report.miscselect"));
  TRY(r.Skip(28, "qe_report.reserved1"));
  ASSIGN_OR_RETURN(q.attributes, r.Take(16, "qe_report.attributes"));
  ASSIGN_OR_RETURN(q.mr_enclave, r.Take(32, "qe_report.mr_enclave"));
  TRY(r.Skip(32, "qe_report.reserved2"));
  ASSIGN_OR_RETURN(q.mr_signer, r.Take(32, "qe_report.mr_signer"));
  TRY(r.Skip(96, "qe_report.reserved3"));
  ASSIGN_OR_RETURN(q.isv_prod_id, r.U16Le("qe_report.isv_prod_id"));
  ASSIGN_OR_RETURN(q.isv_svn, r.U16Le("qe_report.isv_svn"));
  TRY(r.Skip(60, "qe_report.reserved4"));
  ASSIGN_OR_RETURN(q.report_data, r.Take(64, "qe_report.report_data"));
  TRY(r.ExpectEnd("qe_report"));
  return q;
}

// Certification data type 6: QE report, its signature, QE auth data, nested type 5 PCK chain.
Status ParseQeCertData(ByteReader& r, Quote& q) {
  ASSIGN_OR_RETURN(ByteSpan qe_raw, r.Take(kQeReportSize, "qe_report"));
  ASSIGN_OR_RETURN(q.qe_report, ParseQeReport(qe_raw));
  ASSIGN_OR_RETURN(q.qe_report_signature, r.Take(64, "qe_report_signature"));
  ASSIGN_OR_RETURN(uint16_t auth_size, r.U16Le("qe_auth_data.size"));
  ASSIGN_OR_RETURN(q.qe_auth_data, r.Take(auth_size, "qe_auth_data"));
  ASSIGN_OR_RETURN(uint16_t type, r.U16Le("pck_cert_data.type"));
  if (type != kCertDataPckChain) {
    return InvalidArgument("nested certification data type " + std::to_string(type) +
                           " unsupported (want 5, PCK chain)");
  }
  ASSIGN_OR_RETURN(uint32_t size, r.U32Le("pck_cert_data.size"));
  if (size > kPckChainMaxBytes) {
    return ResourceExhausted("pck_cert_data.size " + std::to_string(size) + " > " +
                             std::to_string(kPckChainMaxBytes));
  }
  ASSIGN_OR_RETURN(ByteSpan pem, r.Take(size, "pck_cert_data"));
  // Quote generators pad the PEM with NULs; the text ends at the first one.
  std::string_view text = AsString(pem);
  text = text.substr(0, text.find('\0'));
  q.pck_chain_pem.assign(text);
  return r.ExpectEnd("qe certification data");
}

Status ParseSignature(ByteReader& r, Quote& q) {
  ASSIGN_OR_RETURN(q.quote_signature, r.Take(64, "signature.quote_signature"));
  ASSIGN_OR_RETURN(q.attestation_key, r.Take(64, "signature.attestation_key"));
  ASSIGN_OR_RETURN(uint16_t type, r.U16Le("certification_data.type"));
  if (type != kCertDataQeReport) {
    return InvalidArgument("certification_data.type " + std::to_string(type) +
                           " unsupported (want 6, QE report certification data)");
  }
  ASSIGN_OR_RETURN(uint32_t size, r.U32Le("certification_data.size"));
  ASSIGN_OR_RETURN(ByteReader cert, r.Sub(size, "certification_data"));
  TRY(ParseQeCertData(cert, q));
  return r.ExpectEnd("signature data");
}

Result<Quote> ParseQuoteInner(ByteSpan bytes) {
  if (bytes.size() > kQuoteMaxBytes) {
    return ResourceExhausted("" + std::to_string(bytes.size()) + " bytes > " +
                             std::to_string(kQuoteMaxBytes));
  }
  ByteReader r(bytes);
  Quote q;
  ASSIGN_OR_RETURN(q.header, ParseHeader(r));
  if (q.header.version == 4) {
    q.body_type = 2;
    q.body_size = kTdReport10Size;
  } else {
    ASSIGN_OR_RETURN(q.body_type, r.U16Le("body.type"));
    ASSIGN_OR_RETURN(q.body_size, r.U32Le("body.size"));
    uint32_t want = q.body_type == 2 ? kTdReport10Size : q.body_type == 3 ? kTdReport15Size : 0;
    if (want == 0) {
      return InvalidArgument("body.type " + std::to_string(q.body_type) +
                             " unsupported (want 2 or 3)");
    }
    if (q.body_size != want) {
      return InvalidArgument("body.size " + std::to_string(q.body_size) +
                             " does not match body.type " + std::to_string(q.body_type));
    }
  }
  ASSIGN_OR_RETURN(ByteSpan body, r.Take(q.body_size, "body"));
  ASSIGN_OR_RETURN(q.body, ParseBody(body));
  q.signed_region = bytes.first(r.offset());
  ASSIGN_OR_RETURN(uint32_t sig_size, r.U32Le("signature_data.size"));
  ASSIGN_OR_RETURN(ByteReader sig, r.Sub(sig_size, "signature_data"));
  TRY(ParseSignature(sig, q));
  // Quote generators hand out fixed-size buffers: zero padding after the quote is allowed,
  // anything else is not.
  ASSIGN_OR_RETURN(ByteSpan pad, r.Take(r.remaining(), "padding"));
  for (uint8_t b : pad) {
    if (b != 0) return InvalidArgument(std::to_string(pad.size()) + " trailing bytes after quote");
  }
  return q;
}

}  // namespace

Result<Quote> ParseQuote(ByteSpan bytes) {
  auto q = ParseQuoteInner(bytes);
  if (!q) return std::unexpected(q.error().WithContext("TDX quote"));
  return q;
}

}  // namespace cocoon::tee::tdx
