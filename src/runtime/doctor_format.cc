// The doctor's report as text for people (one line per check) and JSON for scripts.
#include "base/json.h"
#include "runtime/doctor.h"

namespace cocoon::runtime {

std::string_view CheckStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk:
      return "ok";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kMissing:
      return "missing";
  }
  return "missing";
}

namespace {

std::string Padded(std::string_view text, size_t width) {
  std::string out(text);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

}  // namespace

std::string FormatDoctorText(const DoctorReport& report) {
  std::string out;
  std::string blockers;
  for (const auto& c : report.checks) {
    out += Padded(CheckStatusName(c.status), 7) + "  " + Padded(c.name, 15) + "  " + c.what;
    if (!c.advice.empty()) out += "  fix: " + c.advice;
    out += "\n";
    if (c.required && c.status == CheckStatus::kMissing) {
      blockers += (blockers.empty() ? "" : ", ") + c.name;
    }
  }
  if (report.demo_can_run) {
    out += "cocoon demo can run here; pod VMs use " +
           std::string(report.accel == Accel::kKvm ? "KVM" : "TCG (software emulation)") + "\n";
  } else {
    out += "cocoon demo cannot run here until these are fixed: " + blockers + "\n";
  }
  return out;
}

std::string FormatDoctorJson(const DoctorReport& report) {
  Json checks = Json::array();
  for (const auto& c : report.checks) {
    checks.push_back({{"name", c.name},
                      {"status", CheckStatusName(c.status)},
                      {"what", c.what},
                      {"advice", c.advice},
                      {"required", c.required}});
  }
  Json j = {{"demo_can_run", report.demo_can_run},
            {"accel", AccelName(report.accel)},
            {"checks", std::move(checks)}};
  return base::DumpJson(j) + "\n";
}

}  // namespace cocoon::runtime
