// `cocoon doctor [--json]`: flags only; the checks live in runtime/doctor.h.
#include <cstdio>
#include <filesystem>

#include "cmd/cocoon/commands.h"
#include "runtime/doctor.h"

namespace cocoon::cli {

void AddDoctorCommand(CLI::App& app, int* exit_code) {
  auto json = std::make_shared<bool>(false);
  auto* doctor = app.add_subcommand(
      "doctor",
      "Check this host: what will work (QEMU, KVM or TCG, the guest image, swtpm, SEV-SNP, TDX, "
      "…) and what to install or change. Exits 0 when cocoon demo can run here, 1 otherwise.");
  doctor->add_flag("--json", *json, "print the checks as JSON");
  doctor->callback([json, exit_code] {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    auto report = runtime::RunDoctor(runtime::DoctorInputs::FromEnvironment(self.string()));
    std::string out = *json ? runtime::FormatDoctorJson(report) : runtime::FormatDoctorText(report);
    std::fwrite(out.data(), 1, out.size(), stdout);
    *exit_code = report.demo_can_run ? 0 : 1;
  });
}

}  // namespace cocoon::cli
