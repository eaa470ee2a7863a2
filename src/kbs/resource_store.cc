// Resource descriptors and the KV-backed resource store.
#include "kbs/resource_store.h"

#include "base/limits.h"

namespace cocoon::kbs {
namespace {
constexpr std::string_view kNamespace = "repository";

bool IsSegmentChar(char c, bool first) {
  bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return alnum || c == '_' || c == '-' || (!first && c == '.');
}

bool ValidSegment(std::string_view s) {
  if (s.empty() || s.size() > limits::kResourcePathSegmentBytes) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsSegmentChar(s[i], i == 0)) return false;
  }
  return true;
}
}  // namespace

Result<ResourceDesc> ParseResourceDesc(const std::vector<std::string>& seg) {
  if (seg.size() != 3 || !ValidSegment(seg[0]) || !ValidSegment(seg[1]) || !ValidSegment(seg[2])) {
    return InvalidArgument("illegal ResourceDesc format.");
  }
  return ResourceDesc{seg[0], seg[1], seg[2]};
}

Result<Bytes> KvResourceStore::Read(const ResourceDesc& d) {
  ASSIGN_OR_RETURN(auto v, kv_->Get(kNamespace, d.Key()));
  if (!v) return NotFound("resource " + d.Key() + " not found");
  return std::move(*v);
}

Status KvResourceStore::Write(const ResourceDesc& d, ByteSpan value, bool overwrite) {
  auto st = kv_->Set(kNamespace, d.Key(), value, overwrite);
  if (!st && st.error().code() == Code::kFailedPrecondition && !overwrite) {
    return FailedPrecondition("resource " + d.Key() + " already exists");
  }
  return st;
}

Status KvResourceStore::Delete(const ResourceDesc& d) {
  ASSIGN_OR_RETURN(bool deleted, kv_->Delete(kNamespace, d.Key()));
  if (!deleted) return NotFound("resource " + d.Key() + " not found");
  return Ok();
}

}  // namespace cocoon::kbs
