// TCB level matching (Intel TDX DCAP QVL, "TCB Info V3" evaluation): walk the levels in the
// order Intel sorts them (newest first); the first whose SGX components, PCESVN and TDX
// components are all <= the platform's is the platform's level. With a TDX module major
// version > 0 (TEE_TCB_SVN[1]), the first two TDX components are the module's own SVN/version
// and are checked against tdxModuleIdentities instead.
#include "tee/tdx/tcb.h"

#include <algorithm>

#include "base/encoding.h"

namespace cocoon::tee::tdx {
namespace {

int Rank(std::string_view s) {
  // Higher is worse; used to combine platform and module status.
  if (s == "UpToDate") return 0;
  if (s == "SWHardeningNeeded") return 1;
  if (s == "ConfigurationNeeded") return 2;
  if (s == "ConfigurationAndSWHardeningNeeded") return 3;
  if (s == "OutOfDate") return 4;
  if (s == "OutOfDateConfigurationNeeded") return 5;
  if (s == "Revoked") return 6;
  return 7;
}

std::string Hex2(uint8_t b) { return base::HexEncode(ByteSpan(&b, 1)); }

Result<ModuleTcbLevel> EvaluateModule(const TcbInfo& info, ByteSpan tee_tcb_svn,
                                      ByteSpan mr_signer_seam, ByteSpan seam_attributes) {
  uint8_t major = tee_tcb_svn[1];
  uint8_t svn = tee_tcb_svn[0];
  std::string want = "TDX_" + base::HexEncode(ByteSpan(&major, 1));
  std::transform(want.begin(), want.end(), want.begin(), ::toupper);
  for (const TdxModuleIdentity& id : info.module_identities) {
    if (id.id != want) continue;
    if (!std::equal(id.mrsigner.begin(), id.mrsigner.end(), mr_signer_seam.begin(),
                    mr_signer_seam.end())) {
      return Unauthenticated("TDX: TDX module MRSIGNER_SEAM " + base::HexEncode(mr_signer_seam) +
                             " does not match " + want + " " + base::HexEncode(id.mrsigner));
    }
    for (size_t i = 0; i < 8 && i < seam_attributes.size(); ++i) {
      if ((seam_attributes[i] & id.attributes_mask[i]) != id.attributes[i]) {
        return Unauthenticated("TDX: SEAM_ATTRIBUTES " + base::HexEncode(seam_attributes) +
                               " do not match " + want);
      }
    }
    for (const ModuleTcbLevel& l : id.levels) {
      if (svn >= l.isvsvn) return l;
    }
    return Unauthenticated("TDX: no matching TCB level for TDX module " + want + " SVN " +
                           std::to_string(svn));
  }
  return Unauthenticated("TDX: TDX module identity " + want + " not in TCB info");
}

}  // namespace

bool IsAcceptedTcbStatus(std::string_view s, bool accept_out_of_date) {
  if (s == "UpToDate" || s == "SWHardeningNeeded" || s == "ConfigurationNeeded" ||
      s == "ConfigurationAndSWHardeningNeeded") {
    return true;
  }
  return accept_out_of_date && (s == "OutOfDate" || s == "OutOfDateConfigurationNeeded");
}

Result<TcbResult> EvaluateTcb(const TcbInfo& info, const PckExtension& pck, ByteSpan tee_tcb_svn,
                              ByteSpan mr_signer_seam, ByteSpan seam_attributes) {
  if (tee_tcb_svn.size() != 16) return InvalidArgument("TDX: TEE_TCB_SVN must be 16 bytes");
  if (info.fmspc != pck.fmspc) {
    return InvalidArgument("TDX: collateral tcb_info is for FMSPC " + base::HexEncode(info.fmspc) +
                           ", the PCK certificate has " + base::HexEncode(pck.fmspc));
  }
  if (info.pce_id != pck.pce_id) {
    return InvalidArgument("TDX: collateral tcb_info is for PCE-ID " +
                           base::HexEncode(info.pce_id) + ", the PCK certificate has " +
                           base::HexEncode(pck.pce_id));
  }
  // TDX module checks (tdxModule): MRSIGNER and attributes under mask.
  if (!std::equal(info.module_mrsigner.begin(), info.module_mrsigner.end(), mr_signer_seam.begin(),
                  mr_signer_seam.end())) {
    return Unauthenticated("TDX: MRSIGNER_SEAM " + base::HexEncode(mr_signer_seam) +
                           " does not match tcb_info tdxModule.mrsigner");
  }
  bool module_identity = tee_tcb_svn[1] > 0;
  size_t first_tdx = module_identity ? 2 : 0;
  for (const TcbLevel& level : info.levels) {
    bool sgx_ok = true;
    for (size_t i = 0; i < 16; ++i)
      sgx_ok = sgx_ok && pck.sgx_tcb_comp[i] >= level.sgx_components[i];
    if (!sgx_ok || pck.pcesvn < level.pcesvn) continue;
    bool tdx_ok = true;
    for (size_t i = first_tdx; i < 16; ++i) {
      tdx_ok = tdx_ok && tee_tcb_svn[i] >= level.tdx_components[i];
    }
    if (!tdx_ok) continue;
    TcbResult out{level.status, level.tcb_date, level.advisory_ids, ""};
    if (module_identity) {
      ASSIGN_OR_RETURN(ModuleTcbLevel m,
                       EvaluateModule(info, tee_tcb_svn, mr_signer_seam, seam_attributes));
      out.module_status = m.status;
      if (Rank(m.status) > Rank(out.status)) out.status = m.status;
      for (const std::string& a : m.advisory_ids) {
        if (std::find(out.advisory_ids.begin(), out.advisory_ids.end(), a) ==
            out.advisory_ids.end()) {
          out.advisory_ids.push_back(a);
        }
      }
    }
    return out;
  }
  std::string svns;
  for (uint8_t b : pck.sgx_tcb_comp) svns += Hex2(b);
  return Unauthenticated("TDX: no matching TCB level (SGX TCB components " + svns + ", PCESVN " +
                         std::to_string(pck.pcesvn) + ", TEE_TCB_SVN " +
                         base::HexEncode(tee_tcb_svn) + ")");
}

}  // namespace cocoon::tee::tdx
