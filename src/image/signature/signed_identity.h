// The image a policy is evaluated for, its policy scopes, and signedIdentity matching
// (containers/image policy_reference_match.go). The signed reference comes from a payload
// whose signature has already been verified.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "image/signature/signature_policy.h"
#include "image/transport_ref.h"

namespace cocoon::image {

// The reference the user asked for, normalised ("docker.io/library/busybox").
struct ImageIdentity {
  std::string transport = "docker";
  std::string repository;  // host[:port]/path
  std::string tag;         // empty if pulled by digest only
  std::string digest;      // "sha256:<hex>" if pulled by digest, else empty

  // repository:tag, repository@digest, or repository:tag@digest ("latest" when neither).
  std::string Reference() const;
  // Parses a docker reference ("busybox:1", "127.0.0.1:5000/a/b@sha256:…") with docker.io
  // normalisation. InvalidArgument if malformed.
  static Result<ImageIdentity> Parse(std::string_view reference);
  // The identity the policy judges for an image named by a transport reference: a docker://
  // reference as Parse gives it; otherwise the transport's name ("oci") and DIR[:TAG] as the
  // repository. A malformed docker:// reference keeps its text (opening the image reports it).
  static ImageIdentity Of(const TransportRef& ref);
};

// Scopes to try, most specific first: the whole reference, the repository and its parent
// namespaces down to the host, then "*.domain" wildcards (host without port). The transport
// default "" is not included.
std::vector<std::string> PolicyScopes(const ImageIdentity& id);

// PermissionDenied "signed identity 'X' does not match 'Y' (<rule>)" unless `signed_reference`
// is acceptable for `id` under `rule`; InvalidArgument if the signed reference is malformed.
Status MatchSignedIdentity(const SignedIdentity& rule, const ImageIdentity& id,
                           std::string_view signed_reference);

}  // namespace cocoon::image
