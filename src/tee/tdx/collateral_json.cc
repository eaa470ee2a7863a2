// TCB Info / QE Identity JSON (Intel PCS API v4 response bodies). The signed body is taken
// byte-for-byte from the text; the parsed fields come from nlohmann through base/json.h.
#include <cctype>

#include "base/encoding.h"
#include "base/json.h"
#include "base/time.h"
#include "tee/tdx/collateral.h"

namespace cocoon::tee::tdx {
namespace {

using base::GetArray;
using base::GetInt;
using base::GetObject;
using base::GetString;

// Index just past the JSON value starting at text[i] (strings, nesting and escapes aware).
Result<size_t> SkipValue(std::string_view t, size_t i) {
  int depth = 0;
  bool in_str = false;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (in_str) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_str = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;  // end of the enclosing container: a scalar ended
      if (--depth == 0) return i + 1;
    } else if (depth == 0 && (c == ',' || std::isspace(static_cast<unsigned char>(c)))) {
      return i;
    }
  }
  return InvalidArgument("unterminated JSON value");
}

size_t SkipWs(std::string_view t, size_t i) {
  while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
  return i;
}

Result<Bytes> HexField(const Json& o, std::string_view key, size_t size, std::string_view what) {
  ASSIGN_OR_RETURN(std::string s, GetString(o, key));
  auto b = base::HexDecode(s);
  if (!b || (size != 0 && b->size() != size)) {
    return InvalidArgument(std::string(what) + "." + std::string(key) + ": want " +
                           std::to_string(size) + " hex bytes");
  }
  return *b;
}

Result<int64_t> TimeField(const Json& o, std::string_view key, std::string_view what) {
  ASSIGN_OR_RETURN(std::string s, GetString(o, key));
  auto t = base::ParseRfc3339(s);
  if (!t)
    return InvalidArgument(std::string(what) + "." + std::string(key) + ": " + t.error().message());
  return *t;
}

Result<std::vector<std::string>> Advisories(const Json& level) {
  std::vector<std::string> out;
  ASSIGN_OR_RETURN(const Json* a, base::FindField(level, "advisoryIDs"));
  if (a == nullptr) return out;
  if (!a->is_array()) return InvalidArgument("advisoryIDs: not an array");
  for (const Json& id : *a) {
    if (!id.is_string()) return InvalidArgument("advisoryIDs: not a string");
    out.push_back(id.get<std::string>());
  }
  return out;
}

Result<std::array<uint8_t, 16>> Components(const Json& tcb, std::string_view key) {
  ASSIGN_OR_RETURN(const Json* arr, GetArray(tcb, key));
  if (arr->size() != 16) return InvalidArgument(std::string(key) + ": want 16 components");
  std::array<uint8_t, 16> out{};
  for (size_t i = 0; i < 16; ++i) {
    if (!(*arr)[i].is_object()) return InvalidArgument(std::string(key) + ": not an object");
    ASSIGN_OR_RETURN(int64_t svn, GetInt((*arr)[i], "svn"));
    if (svn < 0 || svn > 255) return InvalidArgument(std::string(key) + ": svn out of range");
    out[i] = static_cast<uint8_t>(svn);
  }
  return out;
}

Result<ModuleTcbLevel> ParseIsvLevel(const Json& l) {
  ModuleTcbLevel m;
  ASSIGN_OR_RETURN(const Json* tcb, GetObject(l, "tcb"));
  ASSIGN_OR_RETURN(int64_t isvsvn, GetInt(*tcb, "isvsvn"));
  if (isvsvn < 0 || isvsvn > 65535) return InvalidArgument("tcb.isvsvn out of range");
  m.isvsvn = static_cast<uint16_t>(isvsvn);
  ASSIGN_OR_RETURN(m.tcb_date, GetString(l, "tcbDate"));
  ASSIGN_OR_RETURN(m.status, GetString(l, "tcbStatus"));
  ASSIGN_OR_RETURN(m.advisory_ids, Advisories(l));
  return m;
}

Result<std::vector<ModuleTcbLevel>> ParseIsvLevels(const Json& o) {
  ASSIGN_OR_RETURN(const Json* arr, GetArray(o, "tcbLevels"));
  if (arr->empty() || arr->size() > kTcbLevelsMax) return InvalidArgument("tcbLevels: bad count");
  std::vector<ModuleTcbLevel> out;
  for (const Json& l : *arr) {
    if (!l.is_object()) return InvalidArgument("tcbLevels: not an object");
    ASSIGN_OR_RETURN(ModuleTcbLevel m, ParseIsvLevel(l));
    out.push_back(std::move(m));
  }
  return out;
}

struct Envelope {
  Json body;
  Bytes signed_body;
  Bytes signature;
};

Result<Envelope> ParseEnvelope(std::string_view text, std::string_view member) {
  if (text.size() > kCollateralJsonMaxBytes) return ResourceExhausted("collateral JSON too large");
  ASSIGN_OR_RETURN(Json doc, base::ParseJson(text));
  if (!doc.is_object()) return InvalidArgument("not a JSON object");
  Envelope e;
  ASSIGN_OR_RETURN(const Json* body, GetObject(doc, member));
  e.body = *body;
  ASSIGN_OR_RETURN(std::string_view raw, RawJsonMember(text, member));
  e.signed_body = ToBytes(raw);
  ASSIGN_OR_RETURN(e.signature, HexField(doc, "signature", 64, "collateral"));
  return e;
}

Result<TcbLevel> ParseTcbLevel(const Json& l) {
  TcbLevel out;
  ASSIGN_OR_RETURN(const Json* tcb, GetObject(l, "tcb"));
  ASSIGN_OR_RETURN(out.sgx_components, Components(*tcb, "sgxtcbcomponents"));
  ASSIGN_OR_RETURN(out.tdx_components, Components(*tcb, "tdxtcbcomponents"));
  ASSIGN_OR_RETURN(int64_t pcesvn, GetInt(*tcb, "pcesvn"));
  if (pcesvn < 0 || pcesvn > 65535) return InvalidArgument("tcb.pcesvn out of range");
  out.pcesvn = static_cast<uint16_t>(pcesvn);
  ASSIGN_OR_RETURN(out.tcb_date, GetString(l, "tcbDate"));
  ASSIGN_OR_RETURN(out.status, GetString(l, "tcbStatus"));
  ASSIGN_OR_RETURN(out.advisory_ids, Advisories(l));
  return out;
}

Result<TcbInfo> ParseTcbInfoInner(std::string_view text) {
  ASSIGN_OR_RETURN(Envelope env, ParseEnvelope(text, "tcbInfo"));
  const Json& b = env.body;
  TcbInfo t;
  t.signed_body = std::move(env.signed_body);
  t.signature = std::move(env.signature);
  ASSIGN_OR_RETURN(t.id, GetString(b, "id"));
  ASSIGN_OR_RETURN(int64_t version, GetInt(b, "version"));
  t.version = static_cast<int>(version);
  if (t.id != "TDX" || t.version != 3) {
    return InvalidArgument("id/version " + t.id + "/" + std::to_string(version) +
                           " is not a TDX TCB Info v3");
  }
  ASSIGN_OR_RETURN(t.issue_date, TimeField(b, "issueDate", "tcbInfo"));
  ASSIGN_OR_RETURN(t.next_update, TimeField(b, "nextUpdate", "tcbInfo"));
  ASSIGN_OR_RETURN(t.fmspc, HexField(b, "fmspc", 6, "tcbInfo"));
  ASSIGN_OR_RETURN(t.pce_id, HexField(b, "pceId", 2, "tcbInfo"));
  ASSIGN_OR_RETURN(t.tcb_type, GetInt(b, "tcbType"));
  ASSIGN_OR_RETURN(t.tcb_evaluation_data_number, GetInt(b, "tcbEvaluationDataNumber"));
  ASSIGN_OR_RETURN(const Json* mod, GetObject(b, "tdxModule"));
  ASSIGN_OR_RETURN(t.module_mrsigner, HexField(*mod, "mrsigner", 48, "tdxModule"));
  ASSIGN_OR_RETURN(t.module_attributes, HexField(*mod, "attributes", 8, "tdxModule"));
  ASSIGN_OR_RETURN(t.module_attributes_mask, HexField(*mod, "attributesMask", 8, "tdxModule"));
  ASSIGN_OR_RETURN(const Json* ids, base::FindField(b, "tdxModuleIdentities"));
  if (ids != nullptr) {
    if (!ids->is_array() || ids->size() > kTcbLevelsMax) {
      return InvalidArgument("tdxModuleIdentities: not an array");
    }
    for (const Json& m : *ids) {
      if (!m.is_object()) return InvalidArgument("tdxModuleIdentities: not an object");
      TdxModuleIdentity id;
      ASSIGN_OR_RETURN(id.id, GetString(m, "id"));
      ASSIGN_OR_RETURN(id.mrsigner, HexField(m, "mrsigner", 48, "tdxModuleIdentities"));
      ASSIGN_OR_RETURN(id.attributes, HexField(m, "attributes", 8, "tdxModuleIdentities"));
      ASSIGN_OR_RETURN(id.attributes_mask, HexField(m, "attributesMask", 8, "tdxModuleIdentities"));
      ASSIGN_OR_RETURN(id.levels, ParseIsvLevels(m));
      t.module_identities.push_back(std::move(id));
    }
  }
  ASSIGN_OR_RETURN(const Json* levels, GetArray(b, "tcbLevels"));
  if (levels->empty() || levels->size() > kTcbLevelsMax) {
    return InvalidArgument("tcbLevels: bad count");
  }
  for (const Json& l : *levels) {
    if (!l.is_object()) return InvalidArgument("tcbLevels: not an object");
    ASSIGN_OR_RETURN(TcbLevel level, ParseTcbLevel(l));
    t.levels.push_back(std::move(level));
  }
  return t;
}

Result<QeIdentity> ParseQeIdentityInner(std::string_view text) {
  ASSIGN_OR_RETURN(Envelope env, ParseEnvelope(text, "enclaveIdentity"));
  const Json& b = env.body;
  QeIdentity q;
  q.signed_body = std::move(env.signed_body);
  q.signature = std::move(env.signature);
  ASSIGN_OR_RETURN(q.id, GetString(b, "id"));
  ASSIGN_OR_RETURN(int64_t version, GetInt(b, "version"));
  q.version = static_cast<int>(version);
  if (q.id != "TD_QE" || q.version != 2) {
    return InvalidArgument("id/version " + q.id + "/" + std::to_string(version) +
                           " is not a TD_QE identity v2");
  }
  ASSIGN_OR_RETURN(q.issue_date, TimeField(b, "issueDate", "enclaveIdentity"));
  ASSIGN_OR_RETURN(q.next_update, TimeField(b, "nextUpdate", "enclaveIdentity"));
  ASSIGN_OR_RETURN(q.tcb_evaluation_data_number, GetInt(b, "tcbEvaluationDataNumber"));
  ASSIGN_OR_RETURN(Bytes misc, HexField(b, "miscselect", 4, "enclaveIdentity"));
  ASSIGN_OR_RETURN(Bytes misc_mask, HexField(b, "miscselectMask", 4, "enclaveIdentity"));
  // Written big-endian in the JSON (as a 32-bit number in hex).
  q.miscselect = (uint32_t{misc[0]} << 24) | (misc[1] << 16) | (misc[2] << 8) | misc[3];
  q.miscselect_mask =
      (uint32_t{misc_mask[0]} << 24) | (misc_mask[1] << 16) | (misc_mask[2] << 8) | misc_mask[3];
  ASSIGN_OR_RETURN(q.attributes, HexField(b, "attributes", 16, "enclaveIdentity"));
  ASSIGN_OR_RETURN(q.attributes_mask, HexField(b, "attributesMask", 16, "enclaveIdentity"));
  ASSIGN_OR_RETURN(q.mrsigner, HexField(b, "mrsigner", 32, "enclaveIdentity"));
  ASSIGN_OR_RETURN(int64_t prod, GetInt(b, "isvprodid"));
  if (prod < 0 || prod > 65535) return InvalidArgument("isvprodid out of range");
  q.isvprodid = static_cast<uint16_t>(prod);
  ASSIGN_OR_RETURN(q.levels, ParseIsvLevels(b));
  return q;
}

}  // namespace

Result<std::string_view> RawJsonMember(std::string_view t, std::string_view key) {
  size_t i = SkipWs(t, 0);
  if (i >= t.size() || t[i] != '{') return InvalidArgument("not a JSON object");
  ++i;
  while (true) {
    i = SkipWs(t, i);
    if (i >= t.size() || t[i] != '"')
      return InvalidArgument("member '" + std::string(key) + "' not found");
    ASSIGN_OR_RETURN(size_t key_end, SkipValue(t, i));
    std::string_view k = t.substr(i + 1, key_end - i - 2);
    i = SkipWs(t, key_end);
    if (i >= t.size() || t[i] != ':') return InvalidArgument("malformed JSON object");
    i = SkipWs(t, i + 1);
    ASSIGN_OR_RETURN(size_t end, SkipValue(t, i));
    if (k == key) return t.substr(i, end - i);
    i = SkipWs(t, end);
    if (i < t.size() && t[i] == ',') {
      ++i;
      continue;
    }
    return InvalidArgument("member '" + std::string(key) + "' not found");
  }
}

Result<TcbInfo> ParseTcbInfo(std::string_view json) {
  auto r = ParseTcbInfoInner(json);
  if (!r) return std::unexpected(r.error().WithContext("TDX: collateral tcb_info"));
  return r;
}

Result<QeIdentity> ParseQeIdentity(std::string_view json) {
  auto r = ParseQeIdentityInner(json);
  if (!r) return std::unexpected(r.error().WithContext("TDX: collateral qe_identity"));
  return r;
}

}  // namespace cocoon::tee::tdx
