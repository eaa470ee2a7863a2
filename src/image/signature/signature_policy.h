// containers-policy.json(5): the model and a strict parser. The policy file is trusted
// configuration, but it is parsed fail-closed: unknown requirement types or fields are errors.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::image {

// How the identity in a signature must relate to the image being pulled.
struct SignedIdentity {
  enum class Type {
    kMatchRepoDigestOrExact,  // default
    kMatchExact,
    kMatchRepository,
    kExactReference,   // `value` = dockerReference
    kExactRepository,  // `value` = dockerRepository
    kRemapIdentity,    // `value` = prefix, `signed_prefix` = signedPrefix
  };
  Type type = Type::kMatchRepoDigestOrExact;
  std::string value;
  std::string signed_prefix;
};

// Where a requirement's keys come from. GPG key material is a keyring (binary or armored);
// sigstore key material is a PEM public key.
struct KeySource {
  std::vector<std::string> paths;  // keyPath or keyPaths
  std::vector<Bytes> data;         // keyData, decoded
};

struct PolicyRequirement {
  enum class Type { kInsecureAcceptAnything, kReject, kSignedBy, kSigstoreSigned };
  Type type = Type::kReject;
  KeySource keys;  // signedBy / sigstoreSigned
  SignedIdentity identity;
};

using PolicyRequirements = std::vector<PolicyRequirement>;

struct ContainersPolicy {
  PolicyRequirements default_requirements;
  // transport name -> scope -> requirements ("" scope = transport default).
  std::map<std::string, std::map<std::string, PolicyRequirements>> transports;
};

// Parses policy.json text (at most limits::kPolicyJsonMaxBytes). InvalidArgument naming the
// offending member for unknown requirement types or fields, missing keys, keyType other than
// "GPGKeys", several key sources at once, empty requirement arrays (as containers/image), and
// sigstore features this implementation does not verify (fulcio, rekor*, pki, keyDatas,
// keyPaths). sigstoreSigned keyData is accepted as PEM text (image-rs) or base64 of it
// (containers/image).
Result<ContainersPolicy> ParsePolicy(std::string_view json);

// Reads and parses a policy file; errors name the path.
Result<ContainersPolicy> LoadPolicy(const std::string& path);

}  // namespace cocoon::image
