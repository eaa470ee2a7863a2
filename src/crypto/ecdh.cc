// ECDH (EVP_PKEY_derive; the peer point is validated by OpenSSL) and the JWA Concat KDF.
#include "crypto/ecdh.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

#include "crypto/digest.h"
#include "crypto/internal/openssl_util.h"
#include "crypto/internal/pkey.h"

namespace cocoon::crypto {

using internal::OpensslError;

Result<SecretBytes> EcdhSharedSecret(const PrivateKey& mine, const PublicKey& peer) {
  if (!internal::IsEc(mine.type())) return InvalidArgument("ECDH needs an EC private key");
  if (mine.type() != peer.type()) {
    return InvalidArgument("ECDH peer key is " + std::string(KeyTypeName(peer.type())) +
                           ", expected " + std::string(KeyTypeName(mine.type())));
  }
  internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, mine.handle().pkey, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return OpensslError(Code::kInternal, "ECDH init");
  }
  // Every PublicKey was validated when it was built, so skip OpenSSL's second (full) check.
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.handle().pkey, /*validate_peer=*/0) != 1) {
    return OpensslError(Code::kInvalidArgument, "ECDH peer key rejected");
  }
  size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return OpensslError(Code::kInternal, "ECDH secret size");
  }
  SecretBytes z(len);
  if (EVP_PKEY_derive(ctx.get(), z.data(), &len) != 1) {
    return OpensslError(Code::kInternal, "ECDH derive");
  }
  z.resize(len);
  return z;
}

namespace {

void PutU32(Hasher& h, uint32_t v) {
  const uint8_t be[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                         static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
  h.Update(be);
}

void PutLengthPrefixed(Hasher& h, ByteSpan data) {
  PutU32(h, static_cast<uint32_t>(data.size()));
  h.Update(data);
}

}  // namespace

SecretBytes ConcatKdf(ByteSpan z, std::string_view alg_id, ByteSpan apu, ByteSpan apv,
                      size_t keydata_bits) {
  const size_t out_len = keydata_bits / 8;
  SecretBytes out(out_len);
  Hasher h(HashAlg::kSha256);
  size_t done = 0;
  for (uint32_t counter = 1; done < out_len; ++counter) {
    PutU32(h, counter);
    h.Update(z);
    PutLengthPrefixed(h, AsBytes(alg_id));
    PutLengthPrefixed(h, apu);
    PutLengthPrefixed(h, apv);
    PutU32(h, static_cast<uint32_t>(keydata_bits));  // SuppPubInfo
    Bytes block = h.Finish();
    if (block.empty()) return SecretBytes();  // hashing failed (allocation): no key
    size_t n = std::min(block.size(), out_len - done);
    std::copy_n(block.begin(), n, out.data() + done);
    OPENSSL_cleanse(block.data(), block.size());
    done += n;
  }
  return out;
}

}  // namespace cocoon::crypto
