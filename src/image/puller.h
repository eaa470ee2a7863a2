// Pulls an image into an OCI runtime bundle (rootfs/ + config.json): resolve the manifest for the
// platform, check the signature policy, unwrap every layer key, then per layer one streaming
// chain — blob digest → ocicrypt decrypt + HMAC → decompress → diff_id → safe unpack — into a
// staging directory that becomes visible only when every check passed. Everything read from the
// source is untrusted; keys come from the caller (local keys or the KBS key provider).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "image/bundle.h"
#include "image/layer/unpack.h"
#include "image/manifest.h"
#include "image/ocicrypt/ocicrypt_keywrap.h"
#include "image/signature/signature_policy.h"
#include "image/signature/signature_policy_eval.h"
#include "image/signature/signed_identity.h"
#include "image/transport.h"

namespace cocoon::image {

// Progress lines for the CLI ("pulling layer 1/3 sha256:… (12.3 MiB)").
using PullProgress = std::function<void(std::string_view line)>;

struct PullOptions {
  Platform platform = HostPlatform();
  // Signature policy; null means "not checked" (the CLI only allows that when asked to).
  const ContainersPolicy* policy = nullptr;
  SignatureProvider* signatures = nullptr;  // required with a policy
  ImageIdentity identity;                   // the reference the policy is evaluated for
  const DecryptionKeys* keys = nullptr;     // null: encrypted layers fail with FailedPrecondition
  // Content store (an OCI image layout directory). When set, layers are fetched concurrently
  // into it (digest-checked, reused on the next pull) and unpacked from it in order; when empty,
  // each layer streams from the source straight into the unpack chain, one after another.
  std::string store_dir;
  std::string store_tag;  // ref.name under which the store records the manifest (optional)
  size_t parallelism = 3;
  UnpackOptions unpack;
  BundleOptions bundle;  // args override etc.; rootfs_dirfd is filled in by the puller
  PullProgress progress;
};

struct PullResult {
  Digest manifest_digest;
  ImageConfig config;
  std::vector<UnpackStats> layers;
  size_t encrypted_layers = 0;
  uint64_t compressed_bytes = 0;
};

// Pulls `source` into `bundle_dir` (which must not exist). Errors, by stage: policy rejection
// PermissionDenied; no key for an encrypted layer FailedPrecondition (naming the layer); key
// provider errors as the provider returns them; digest, HMAC or diff_id mismatch DataLoss;
// unpack errors naming the tar entry. On any error `bundle_dir` does not appear.
Result<PullResult> PullToBundle(ImageSource& source, const std::string& bundle_dir,
                                const PullOptions& options);

// Copies the image (platform manifest, config, layers as they are, still encrypted) into the
// content store at `store_dir` under `tag` (concurrent layer fetches). Returns the manifest
// digest. Policy checks as PullToBundle.
Result<Digest> PullToStore(ImageSource& source, const std::string& store_dir,
                           const std::string& tag, const PullOptions& options);

}  // namespace cocoon::image
