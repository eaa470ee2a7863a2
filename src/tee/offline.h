// Offline verification of one piece of evidence, as `cocoon verify-evidence` runs it: the
// evidence file's bytes plus the user's trust inputs. Each TEE kind implements one
// `OfflineVerifyFn`; the CLI picks it by `--tee`.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"

namespace cocoon::tee {

struct OfflineVerifyOptions {
  Bytes evidence;  // the file as read: evidence JSON (guest-components format) or raw binary
  std::optional<std::string> cert_path;       // --cert: VCEK/VLEK, DER or PEM
  std::optional<std::string> chain_path;      // --chain: PEM bundle ASK/ASVK + ARK
  std::optional<std::string> collateral_dir;  // --collateral: TDX collateral files
  std::optional<std::string> root_path;       // --root: replaces the built-in Intel root
  std::optional<std::string> ak_path;         // --ak: TPM AK public key, PEM or TPMT_PUBLIC
  std::optional<Bytes> nonce;                 // --nonce: expected freshness binding
  std::optional<Bytes> report_data;           // --report-data: expected report_data
  // --time: evaluate certificate/collateral validity at this instant (default: now).
  std::optional<std::chrono::system_clock::time_point> at_time;
};

// Returns the claims (Trustee's names where it has them). InvalidArgument for malformed
// evidence or inputs; Unauthenticated naming the failed check and the values involved when the
// evidence does not verify.
using OfflineVerifyFn = std::function<Result<Json>(const OfflineVerifyOptions&)>;

}  // namespace cocoon::tee
