// Names of the VM options.
#include "runtime/hypervisor.h"

#include <array>
#include <utility>

namespace cocoon::runtime {
namespace {

template <typename E, size_t N>
Result<E> ParseName(std::string_view what, std::string_view name,
                    const std::array<std::pair<std::string_view, E>, N>& table) {
  std::string known;
  for (const auto& [text, value] : table) {
    if (text == name) return value;
    known += known.empty() ? "" : "|";
    known += text;
  }
  return InvalidArgument("unknown " + std::string(what) + " \"" + std::string(name) +
                         "\" (expected " + known + ")");
}

constexpr std::array<std::pair<std::string_view, Accel>, 3> kAccels{
    {{"auto", Accel::kAuto}, {"tcg", Accel::kTcg}, {"kvm", Accel::kKvm}}};
constexpr std::array<std::pair<std::string_view, Tee>, 3> kTees{
    {{"none", Tee::kNone}, {"sev-snp", Tee::kSevSnp}, {"tdx", Tee::kTdx}}};
constexpr std::array<std::pair<std::string_view, Machine>, 3> kMachines{
    {{"auto", Machine::kAuto}, {"microvm", Machine::kMicrovm}, {"q35", Machine::kQ35}}};

template <typename E, size_t N>
std::string_view NameOf(E value, const std::array<std::pair<std::string_view, E>, N>& table) {
  for (const auto& [text, v] : table) {
    if (v == value) return text;
  }
  return "?";
}

}  // namespace

Result<Accel> ParseAccel(std::string_view name) { return ParseName("accel", name, kAccels); }
Result<Tee> ParseTee(std::string_view name) { return ParseName("tee", name, kTees); }
Result<Machine> ParseMachine(std::string_view name) {
  return ParseName("machine", name, kMachines);
}
std::string_view AccelName(Accel accel) { return NameOf(accel, kAccels); }
std::string_view TeeName(Tee tee) { return NameOf(tee, kTees); }
std::string_view MachineName(Machine machine) { return NameOf(machine, kMachines); }

}  // namespace cocoon::runtime
