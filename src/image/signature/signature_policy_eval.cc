// Policy evaluation: scope selection and the signedBy / sigstoreSigned checks.

#include "image/signature/signature_policy_eval.h"

#include "base/file.h"
#include "base/limits.h"
#include "crypto/keys.h"
#include "image/signature/gpg.h"
#include "image/signature/signature_payload.h"

namespace cocoon::image {
namespace {

constexpr size_t kKeyFileMaxBytes = 1024 * 1024;
constexpr std::string_view kNoSignature = "A signature was required, but no signature exists";

Result<std::vector<Bytes>> KeyMaterial(const KeySource& keys) {
  std::vector<Bytes> out = keys.data;
  for (const std::string& path : keys.paths) {
    ASSIGN_OR_RETURN(std::string text, base::ReadFile(path, "policy key", kKeyFileMaxBytes));
    out.push_back(ToBytes(text));
  }
  return out;
}

// The payload's manifest digest must be the digest of `manifest` (in the payload's algorithm).
Status CheckManifestDigest(const SignaturePayload& p, ByteSpan manifest) {
  auto signed_digest = Digest::Parse(p.manifest_digest);
  if (!signed_digest)
    return InvalidArgument("signature payload: " + signed_digest.error().message());
  Digest actual = Digest::Of(manifest, signed_digest->algorithm);
  if (!(actual == *signed_digest)) {
    return PermissionDenied("signature is for manifest " + p.manifest_digest + ", not " +
                            actual.String());
  }
  return Ok();
}

Status Rejected(const std::string& scope, std::string_view type, const std::string& why) {
  return PermissionDenied("image rejected by policy " + scope + " (" + std::string(type) +
                          "): " + why);
}

std::string JoinReasons(const std::vector<std::string>& reasons) {
  std::string out;
  for (size_t i = 0; i < reasons.size(); ++i) {
    out += (i ? "; " : "") + std::string("signature ") + std::to_string(i + 1) + ": " + reasons[i];
  }
  return out;
}

Status CheckSignedBy(const PolicyRequirement& req, const std::string& scope,
                     const ImageIdentity& id, ByteSpan manifest, const Digest& digest,
                     SignatureProvider& provider) {
  ASSIGN_OR_RETURN(std::vector<Bytes> keyrings, KeyMaterial(req.keys));
  ASSIGN_OR_RETURN(auto verifier, GpgVerifier::Create(keyrings));
  ASSIGN_OR_RETURN(std::vector<Bytes> sigs, provider.SimpleSignatures(id, digest));
  if (sigs.empty()) return Rejected(scope, "signedBy", std::string(kNoSignature));
  std::vector<std::string> reasons;
  for (const Bytes& sig : sigs) {
    Status st = [&]() -> Status {
      ASSIGN_OR_RETURN(GpgVerified v, verifier->Verify(sig));
      ASSIGN_OR_RETURN(SignaturePayload p, ParseSignaturePayload(v.payload, kAtomicSignatureType));
      TRY(CheckManifestDigest(p, manifest));
      return MatchSignedIdentity(req.identity, id, p.docker_reference);
    }();
    if (st) return Ok();
    reasons.push_back(st.error().message());
  }
  std::string keys;
  for (const std::string& f : verifier->fingerprints()) keys += (keys.empty() ? "" : ", ") + f;
  return Rejected(scope, "signedBy",
                  "no signature matches key(s) " + keys + ": " + JoinReasons(reasons));
}

Status CheckSigstoreSigned(const PolicyRequirement& req, const std::string& scope,
                           const ImageIdentity& id, ByteSpan manifest, const Digest& digest,
                           SignatureProvider& provider) {
  ASSIGN_OR_RETURN(std::vector<Bytes> pems, KeyMaterial(req.keys));
  if (pems.size() != 1) return InvalidArgument("sigstoreSigned needs exactly one key");
  auto key = crypto::PublicKey::FromPem(AsString(pems[0]));
  if (!key) return InvalidArgument("sigstoreSigned key: " + key.error().message());
  ASSIGN_OR_RETURN(std::vector<CosignSignature> sigs, provider.CosignSignatures(id, digest));
  if (sigs.empty()) return Rejected(scope, "sigstoreSigned", std::string(kNoSignature));
  std::vector<std::string> reasons;
  for (const CosignSignature& sig : sigs) {
    Status st = [&]() -> Status {
      ASSIGN_OR_RETURN(SignaturePayload p, VerifyCosignSignature(*key, sig, digest));
      TRY(CheckManifestDigest(p, manifest));
      return MatchSignedIdentity(req.identity, id, p.docker_reference);
    }();
    if (st) return Ok();
    reasons.push_back(st.error().message());
  }
  return Rejected(scope, "sigstoreSigned",
                  "no signature matches the policy key: " + JoinReasons(reasons));
}

}  // namespace

SelectedScope SelectScope(const ContainersPolicy& policy, const ImageIdentity& id) {
  auto transport = policy.transports.find(id.transport);
  if (transport != policy.transports.end()) {
    const auto& scopes = transport->second;
    std::vector<std::string> candidates = PolicyScopes(id);
    candidates.push_back("");
    for (const std::string& scope : candidates) {
      if (auto it = scopes.find(scope); it != scopes.end()) {
        return {"transports." + id.transport + "[\"" + scope + "\"]", &it->second};
      }
    }
  }
  return {"default", &policy.default_requirements};
}

Status EvaluatePolicy(const ContainersPolicy& policy, const ImageIdentity& id, ByteSpan manifest,
                      SignatureProvider& signatures) {
  if (manifest.size() > limits::kManifestMaxBytes) {
    return ResourceExhausted("manifest exceeds the manifest limit");
  }
  Digest digest = Digest::Of(manifest);
  if (!id.digest.empty()) {
    ASSIGN_OR_RETURN(Digest pulled, Digest::Parse(id.digest));
    if (!(Digest::Of(manifest, pulled.algorithm) == pulled)) {
      return DataLoss("manifest does not match the pulled digest " + id.digest);
    }
  }
  SelectedScope scope = SelectScope(policy, id);
  for (const PolicyRequirement& req : *scope.requirements) {
    switch (req.type) {
      case PolicyRequirement::Type::kInsecureAcceptAnything:
        break;
      case PolicyRequirement::Type::kReject:
        return Rejected(scope.name, "reject",
                        "Running image " + id.Reference() + " is rejected by policy");
      case PolicyRequirement::Type::kSignedBy:
        TRY(CheckSignedBy(req, scope.name, id, manifest, digest, signatures));
        break;
      case PolicyRequirement::Type::kSigstoreSigned:
        TRY(CheckSigstoreSigned(req, scope.name, id, manifest, digest, signatures));
        break;
    }
  }
  return Ok();
}

}  // namespace cocoon::image
