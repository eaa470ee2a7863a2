// `cocoon verify-evidence --tee KIND --evidence FILE [options]`: verify one piece of TEE evidence
// offline and print its claims. Each TEE's registration provides its tee::OfflineVerifyFn
// (tee/registry.h); this file only parses flags, reads the file and dispatches.
#include <cstdio>

#include "base/encoding.h"
#include "base/file.h"
#include "base/json.h"
#include "base/time.h"
#include "cmd/cocoon/commands.h"
#include "tee/builtin.h"

namespace cocoon::cli {
namespace {

constexpr size_t kMaxEvidenceBytes = size_t{16} << 20;

const tee::VerifierTable& Tees() {
  static const auto* table = [] {
    auto* t = new tee::VerifierTable();
    tee::RegisterBuiltinVerifiers(*t);
    return t;
  }();
  return *table;
}

struct EvidenceFlags {
  std::string tee;
  std::string evidence;
  std::string cert, chain, collateral, root, ak, nonce, report_data, time;
};

int RunVerify(const EvidenceFlags& f) {
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "%s\n", e.message().c_str());
    return 1;
  };
  auto usage = [](const std::string& msg) {
    std::fprintf(stderr, "%s\n", msg.c_str());
    return 2;
  };
  const tee::VerifierFactory* factory = Tees().Find(f.tee);
  if (factory == nullptr) return usage("--tee: unknown TEE kind '" + f.tee + "'");
  tee::OfflineVerifyOptions o;
  auto bytes = base::ReadFile(f.evidence, "evidence", kMaxEvidenceBytes);
  if (!bytes) return fail(bytes.error());
  o.evidence.assign(bytes->begin(), bytes->end());
  auto path = [](const std::string& s) -> std::optional<std::string> {
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
  };
  o.cert_path = path(f.cert);
  o.chain_path = path(f.chain);
  o.collateral_dir = path(f.collateral);
  o.root_path = path(f.root);
  o.ak_path = path(f.ak);
  if (!f.nonce.empty()) {
    auto n = base::HexDecode(f.nonce);
    if (!n) return usage("--nonce: " + n.error().message());
    o.nonce = std::move(*n);
  }
  if (!f.report_data.empty()) {
    auto r = base::HexDecode(f.report_data);
    if (!r) return usage("--report-data: " + r.error().message());
    o.report_data = std::move(*r);
  }
  if (!f.time.empty()) {
    auto t = base::ParseRfc3339(f.time);
    if (!t) return usage("--time: " + t.error().message());
    o.at_time = std::chrono::system_clock::time_point(std::chrono::seconds(*t));
  }
  auto claims = factory->verify_offline(o);
  if (!claims) return fail(claims.error());
  std::printf("%s\n", claims->dump(2).c_str());
  return 0;
}

}  // namespace

void AddEvidenceCommands(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<EvidenceFlags>();
  std::string kinds;
  for (const std::string& name : Tees().Names()) kinds += (kinds.empty() ? "" : "|") + name;
  auto* cmd = app.add_subcommand(
      "verify-evidence",
      "Verify TEE evidence offline. Prints the claims as JSON and exits 0 when it verifies; "
      "exits 1 naming the failed check when it does not; usage errors exit 2.");
  cmd->add_option("--tee", flags->tee, kinds)->required();
  cmd->add_option("--evidence", flags->evidence,
                  "evidence JSON as the attesters produce it, or the raw report/quote")
      ->required();
  cmd->add_option("--cert", flags->cert, "SNP: VCEK or VLEK certificate, DER or PEM");
  cmd->add_option("--chain", flags->chain,
                  "SNP: PEM bundle ASK/ASVK + ARK (default: the built-in AMD roots)");
  cmd->add_option("--collateral", flags->collateral,
                  "TDX: directory with tcb_info.json, qe_identity.json, issuer chains and CRLs");
  cmd->add_option("--root", flags->root,
                  "TDX: replaces the built-in Intel SGX Root CA (PEM or DER); TPM: roots for the "
                  "evidence's ak_cert_chain");
  cmd->add_option("--ak", flags->ak, "TPM: trusted attestation key, PEM, DER SPKI or TPMT_PUBLIC/TPM2B_PUBLIC");
  cmd->add_option("--nonce", flags->nonce, "expected nonce (hex; TPM: the quote's extraData exactly)");
  cmd->add_option("--report-data", flags->report_data, "expected report_data (hex; TPM: compared truncated/padded to 32 bytes, as Trustee does)");
  cmd->add_option("--time", flags->time,
                  "evaluate certificate and collateral validity at this RFC 3339 instant");
  cmd->callback([flags, exit_code] { *exit_code = RunVerify(*flags); });
}

}  // namespace cocoon::cli
