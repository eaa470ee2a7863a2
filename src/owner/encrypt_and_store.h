// The workload owner's side of an encrypted image: copy an image encrypting every layer
// (ocicrypt), and keep each generated key-encryption key (KEK) where the guest will find it — the
// KBS (admin API) or a file. Runs on the owner's trusted machine; the registry and the image
// content are untrusted and handled by the image library. Above `image` and `kbs`.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "base/error.h"
#include "image/registry/registry_client.h"

namespace cocoon::owner {

struct EncryptRequest {
  std::vector<std::string> keys;  // --encryption-key: jwe:PUB.pem or provider:attestation-agent:…
  std::string kbs_url;            // store generated KEKs in this KBS (admin API)
  std::string admin_key;          // its admin private key file (PEM)
  std::string kbs_cacert;         // PEM CA for an HTTPS KBS
  std::string key_output;         // or write the one KEK here (0600, never overwritten)
  bool replace_key = false;       // replace a key the KBS already holds at the key id
  std::string platform;           // OS/ARCH[/VARIANT] to pick from an index ("" = this host's)
  std::string src, dst;           // docker://REF or oci:DIR[:TAG]
  image::RegistryOptions src_registry, dst_registry;
};

// Encrypts `r.src` into `r.dst` and stores the KEKs, printing what it did to `out`. Keys are
// checked before anything is pushed (a key the KBS holds is never replaced unless replace_key)
// and stored only once the encrypted image is pushed, create-only: a failed push leaves the KBS
// and key_output as they were. Errors name the flag or the key id at fault.
Status EncryptAndStoreKeys(const EncryptRequest& r, std::ostream& out);

}  // namespace cocoon::owner
