// The doctor's checks of confidential-computing support (doctor_tee.cc): OVMF, SEV-SNP and TDX
// host support, and containerd when present. Shared with doctor.cc, which runs them.
#pragma once

#include <optional>

#include "runtime/doctor.h"
#include "runtime/host_caps.h"
#include "runtime/internal/doctor_probe.h"

namespace cocoon::runtime::internal {

// The OVMF builds --tee sev-snp|tdx boot, in the usual places under /usr/share.
DoctorCheck CheckOvmf(const DoctorInputs& in);

// Host support (device, kernel module parameter), usable KVM and a QEMU new enough.
DoctorCheck CheckSevSnp(const DoctorInputs& in, const KvmProbe& kvm, Version qemu);
DoctorCheck CheckTdx(const DoctorInputs& in, const KvmProbe& kvm, Version qemu);

// Only when a containerd binary is in the PATH.
std::optional<DoctorCheck> CheckContainerd(const DoctorInputs& in);

}  // namespace cocoon::runtime::internal
