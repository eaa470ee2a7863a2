// InstallVerifiers (see verifiers.h).
#include "kbs/verifiers.h"

#include <algorithm>

#include "base/logging.h"

namespace cocoon::kbs {
namespace {

constexpr std::string_view kAs = "[attestation_service]";

bool Allowed(const tee::VerifierSettings& s, std::string_view tee) {
  return std::find(s.allowed_tees.begin(), s.allowed_tees.end(), tee) != s.allowed_tees.end();
}

// Registers `made` for `tee`, or refuses `tee` with why it could not be made. A file that does
// not load is an error of the config, not a refusal.
Status Install(std::string tee, Result<std::unique_ptr<tee::Verifier>> made,
               tee::VerifierRegistry& registry) {
  if (made) {
    registry.Register(std::move(tee), std::move(*made));
    return Ok();
  }
  if (made.error().code() != Code::kFailedPrecondition) {
    return std::unexpected(made.error().WithContext(tee + " verifier"));
  }
  LOG_WARN("TEE \"{}\" is allowed but refused at /auth: {}", tee, made.error().message());
  registry.Refuse(std::move(tee), made.error().message());
  return Ok();
}

// A TEE whose evidence proves nothing: on only by insecure_sample_tee, loudly.
Status InstallInsecure(const tee::VerifierFactory& f, const tee::VerifierSettings& s,
                       tee::VerifierRegistry& registry) {
  if (!s.insecure_sample_tee) {
    registry.Refuse(f.name, "the " + f.name +
                                " TEE proves nothing and is off; a test or demo KBS turns it on "
                                "with " +
                                std::string(kAs) + " insecure_sample_tee = true");
    return Ok();
  }
  LOG_WARN(
      "{} insecure_sample_tee = true: the {} TEE's evidence proves nothing, and any client "
      "that sends it is attested; never use this where a secret matters",
      kAs, f.name);
  return Install(f.name, f.create(s), registry);
}

}  // namespace

Status InstallVerifiers(const tee::VerifierTable& table, const tee::VerifierSettings& s,
                        tee::VerifierRegistry& registry) {
  for (const std::string& tee : s.allowed_tees) {
    const auto& all = table.factories();
    if (std::none_of(all.begin(), all.end(),
                     [&](const tee::VerifierFactory& f) { return f.name == tee; })) {
      std::string known;
      for (const tee::VerifierFactory& f : all) {
        if (!f.proves_nothing) known += (known.empty() ? "" : ", ") + f.name;
      }
      return InvalidArgument(std::string(kAs) + " allowed_tees: \"" + tee +
                             "\" has no verifier in cocoon-kbs (known: " + known + ")");
    }
  }
  for (const tee::VerifierFactory& f : table.factories()) {
    if (f.proves_nothing) {
      TRY(InstallInsecure(f, s, registry));
    } else if (!Allowed(s, f.name)) {
      registry.Refuse(f.name,
                      "TEE \"" + f.name + "\" is not in " + std::string(kAs) + " allowed_tees");
    } else {
      TRY(Install(f.name, f.create(s), registry));
    }
  }
  return Ok();
}

}  // namespace cocoon::kbs
