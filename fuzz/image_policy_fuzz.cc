// Fuzz target: containers-policy.json, registries.d YAML, simple-signing payloads (atomic and
// cosign), docker references / signedIdentity matching and cosign signature manifests — all
// parsers of configuration or registry-supplied bytes in the signature path.
#include <cstddef>
#include <cstdint>

#include "image/signature/cosign.h"
#include "image/signature/registries_d.h"
#include "image/signature/signature_payload.h"
#include "image/signature/signature_policy.h"
#include "image/signature/signature_policy_eval.h"
#include "image/signature/signed_identity.h"

using namespace cocoon;
using namespace cocoon::image;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan bytes(data, size);
  std::string_view text = AsString(bytes);
  if (auto policy = ParsePolicy(text)) {
    if (auto id = ImageIdentity::Parse("127.0.0.1:5000/coco/app:v1")) {
      (void)SelectScope(*policy, *id);
    }
  }
  RegistriesConfig config;
  if (config.AddYaml(text, "fuzz.yaml")) {
    if (auto id = ImageIdentity::Parse("reg.example.com/ns/app:v1")) {
      (void)config.LookasideUrl(*id);
      (void)config.LookasideStagingUrl(*id);
      (void)config.UseSigstoreAttachments(*id);
    }
  }
  (void)ParseSignaturePayload(bytes, kAtomicSignatureType);
  (void)ParseSignaturePayload(bytes, kCosignSignatureType);
  if (size < 512) {
    if (auto id = ImageIdentity::Parse(text)) {
      (void)PolicyScopes(*id);
      (void)id->Reference();
      SignedIdentity rule;
      (void)MatchSignedIdentity(rule, *id, "docker.io/library/busybox:latest");
    }
    for (auto type : {SignedIdentity::Type::kMatchExact, SignedIdentity::Type::kMatchRepository,
                      SignedIdentity::Type::kRemapIdentity}) {
      if (auto id = ImageIdentity::Parse("r.io/a/b:v1")) {
        (void)MatchSignedIdentity(SignedIdentity{type, "r.io", "s.io"}, *id, text);
      }
    }
  }
  (void)ParseCosignSignatureManifest(
      bytes, [](std::string_view) -> Result<Bytes> { return ToBytes(R"({"critical":{}})"); });
  return 0;
}
