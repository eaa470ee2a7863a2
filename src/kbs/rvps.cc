// Built-in RVPS: parses register messages (untrusted admin input, already authorized) with the
// "sample" extractor and stores Trustee-shaped ReferenceValue records in the KV store.
#include "kbs/rvps.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "base/encoding.h"
#include "base/logging.h"
#include "base/time.h"

namespace cocoon::kbs {
namespace {

constexpr std::string_view kNamespace = "reference_value";
constexpr std::string_view kVersion = "0.1.0";

// now + 12 months in UTC; a day past the month's end is clamped to the last day (chrono's
// checked_add_months, which Trustee uses).
int64_t DefaultExpiration(int64_t now) {
  using namespace std::chrono;
  const sys_seconds t{seconds{now}};
  const sys_days day = floor<days>(t);
  year_month_day ymd = year_month_day{day} + years{1};
  if (!ymd.ok()) ymd = year_month_day_last{ymd.year(), month_day_last{ymd.month()}};
  return (sys_days{ymd} + (t - day)).time_since_epoch().count();
}

// A record whose "expiration" is missing or unreadable counts as expired (fail closed).
bool Expired(const Json& record, int64_t now) {
  const Json* e =
      record.is_object() && record.contains("expiration") ? &record["expiration"] : nullptr;
  if (e == nullptr || !e->is_string()) return true;
  auto at = base::ParseRfc3339(e->get<std::string>());
  return !at || *at <= now;
}

// The "sample" extractor: payload = standard base64 of a JSON object {name: value}.
Result<Json> ExtractSample(const std::string& payload) {
  auto bytes = base::Base64Decode(payload);
  if (!bytes) return InvalidArgument("sample payload is not standard base64");
  auto values = base::ParseJson(*bytes);
  if (!values) return std::unexpected(values.error().WithContext("sample payload"));
  if (!values->is_object()) return InvalidArgument("sample payload must be a JSON object");
  for (const auto& [name, value] : values->items()) {
    auto valid = ValidateKey(name);
    if (!valid) return std::unexpected(valid.error().WithContext("reference value name"));
  }
  return std::move(*values);
}

// The stored record, members in the order Trustee's serde writes them.
std::string Record(const std::string& name, const std::string& expiration, const Json& value) {
  OrderedJson record = OrderedJson::object();
  record["version"] = kVersion;
  record["name"] = name;
  record["expiration"] = expiration;
  record["value"] = OrderedJson(value);
  return base::DumpJson(record);
}

}  // namespace

Result<std::vector<std::string>> ReferenceValueStore::Register(std::string_view message_json,
                                                               int64_t now) {
  ASSIGN_OR_RETURN(Json message, base::ParseJson(message_json));
  if (!message.is_object()) return InvalidArgument("RVPS message must be a JSON object");
  ASSIGN_OR_RETURN(std::string version, base::GetStringOr(message, "version", "0.1.0"));
  if (version != kVersion) {
    return InvalidArgument("Version unmatched! Need 0.1.0, given " + version);
  }
  ASSIGN_OR_RETURN(std::string type, base::GetString(message, "type"));
  ASSIGN_OR_RETURN(std::string payload, base::GetString(message, "payload"));
  if (type != "sample") {
    return InvalidArgument("unsupported reference value type " + type + " (supported: sample)");
  }
  ASSIGN_OR_RETURN(Json values, ExtractSample(payload));
  int64_t expires = DefaultExpiration(now);
  if (message.contains("expiration")) {
    ASSIGN_OR_RETURN(std::string text, base::GetString(message, "expiration"));
    auto at = base::ParseRfc3339(text);
    if (!at) return std::unexpected(at.error().WithContext("RVPS message expiration"));
    if (*at <= now) return InvalidArgument("RVPS message expiration " + text + " is in the past");
    expires = *at;
  }
  const std::string expiration = base::FormatRfc3339(expires);
  std::vector<std::string> names;
  for (const auto& [name, value] : values.items()) {
    TRY(store_->Set(kNamespace, name, AsBytes(Record(name, expiration, value))));
    names.push_back(name);
  }
  return names;
}

Result<Json> ReferenceValueStore::Get(std::string_view name) const {
  ASSIGN_OR_RETURN(std::optional<Bytes> stored, store_->Get(kNamespace, name));
  if (!stored) return NotFound("reference value " + std::string(name) + " not found");
  auto record = base::ParseJson(*stored);
  if (!record || !record->is_object() || !record->contains("value")) {
    return DataLoss("stored reference value " + std::string(name) + " is corrupt");
  }
  return std::move(*record);
}

Result<Json> ReferenceValueStore::Query(std::string_view name, int64_t now) const {
  auto record = Get(name);
  if (!record && record.error().code() == Code::kNotFound) return Json(nullptr);
  if (!record) return std::unexpected(record.error());
  if (Expired(*record, now)) {
    LOG_WARN("reference value {} expired at {}; policies see it as absent", name,
             (*record).value("expiration", std::string("?")));
    return Json(nullptr);
  }
  return std::move((*record)["value"]);
}

Result<std::vector<std::string>> ReferenceValueStore::List() const {
  return store_->List(kNamespace);
}

Result<Json> ReferenceValueStore::ListRecords(int64_t now) const {
  ASSIGN_OR_RETURN(std::vector<std::string> names, List());
  std::sort(names.begin(), names.end());
  Json out = Json::array();
  for (const auto& name : names) {
    auto record = Get(name);
    if (!record && record.error().code() == Code::kNotFound) continue;  // deleted meanwhile
    if (!record) return std::unexpected(record.error());
    (*record)["expired"] = Expired(*record, now);
    out.push_back(std::move(*record));
  }
  return out;
}

Status ReferenceValueStore::Delete(std::string_view name) {
  ASSIGN_OR_RETURN(bool existed, store_->Delete(kNamespace, name));
  if (!existed) return NotFound("reference value " + std::string(name) + " not found");
  return Ok();
}

}  // namespace cocoon::kbs
