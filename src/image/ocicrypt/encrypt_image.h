// Glue for `cocoon image encrypt`: the --encryption-key argument forms (skopeo's `jwe:PUB.pem`
// and the CoCo attestation-agent provider form), and the CopyImage layer transform that
// encrypts every layer. Key files are the user's (trusted); the source image is untrusted.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "crypto/keys.h"
#include "image/copy.h"
#include "image/ocicrypt/ocicrypt_encrypt.h"

namespace cocoon::image {

// One --encryption-key value:
//   jwe:PUB.pem                                   RSA or EC public key (PEM, or a certificate)
//   provider:attestation-agent:kbs:///R/T/TAG     a KEK held by the KBS under that resource
//   provider:attestation-agent:keyid=kbs:///R/T/TAG[::keypath=KEK.bin][::algorithm=A256GCM]
//                                                 coco_keyprovider's parameter syntax
struct EncryptionKeySpec {
  std::optional<crypto::PublicKey> jwe{};
  std::string kid{};      // provider form: "kbs:///R/T/TAG"
  std::string keypath{};  // provider form: file holding the 32-byte KEK (else one is generated)
};
// InvalidArgument naming the value for unknown schemes or providers, malformed key ids, or
// key files that are not RSA/EC public keys; NotFound for missing key files.
Result<EncryptionKeySpec> ParseEncryptionKey(std::string_view arg);

// "R/T/TAG" of "kbs:///R/T/TAG" (three non-empty segments without "." or ".."), else
// InvalidArgument.
Result<std::string> KbsResourcePath(std::string_view kid);

// Ok if every layer of `m` can be encrypted; InvalidArgument naming the first that cannot
// (already encrypted, or not a tar layer type). Already-encrypted layers are refused rather
// than passed through: re-wrapping needs the old key, and silently mixing would be surprising.
Status CheckEncryptable(const Manifest& m);

// A CopyImage transform that encrypts each layer for `recipients` (ocicrypt AES-256-CTR-HMAC,
// keys wrapped per recipient); layer media types gain "+encrypted".
LayerTransform MakeEncryptTransform(std::vector<Recipient> recipients);

}  // namespace cocoon::image
