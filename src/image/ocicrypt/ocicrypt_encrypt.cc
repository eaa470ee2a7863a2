// Layer encryption: Source → EncryptingSink → (digest + count) → out, then key wrapping.
#include "image/ocicrypt/ocicrypt_encrypt.h"

#include "base/encoding.h"
#include "image/ocicrypt/ocicrypt_keywrap.h"
#include "image/ocicrypt/ocicrypt_stream.h"

namespace cocoon::image {
namespace {

// Hashes and counts the ciphertext on its way to the real destination.
class MeasuringSink final : public Sink {
 public:
  explicit MeasuringSink(Sink* next) : next_(next) {}
  Status Write(std::span<const uint8_t> data) override {
    hasher_.Update(data);
    size_ += data.size();
    return next_->Write(data);
  }
  Status Finish() override { return next_->Finish(); }
  Digest digest() { return Digest{crypto::HashAlg::kSha256, base::HexEncode(hasher_.Finish())}; }
  uint64_t size() const { return size_; }

 private:
  Sink* next_;
  crypto::Hasher hasher_{crypto::HashAlg::kSha256};
  uint64_t size_ = 0;
};

Status Pump(Source& source, Sink& sink) {
  Bytes buffer(256 * 1024);
  while (true) {
    ASSIGN_OR_RETURN(size_t n, source.Read(buffer));
    if (n == 0) return sink.Finish();
    if (n > buffer.size()) return Internal("source returned more bytes than asked for");
    TRY(sink.Write(ByteSpan(buffer).first(n)));
  }
}

std::vector<std::unique_ptr<KeyWrapper>> Wrappers(const std::vector<Recipient>& recipients) {
  std::vector<std::unique_ptr<KeyWrapper>> out;
  std::vector<crypto::PublicKey> jwe;
  for (const auto& r : recipients) {
    if (r.jwe_key) jwe.push_back(*r.jwe_key);
  }
  if (!jwe.empty()) out.push_back(MakeJweKeyWrapper(std::move(jwe)));
  for (const auto& r : recipients) {
    if (!r.jwe_key && r.kek) out.push_back(MakeKeyProviderWrapper(r.kid, r.kek->Clone()));
  }
  return out;
}

}  // namespace

Recipient Recipient::Jwe(crypto::PublicKey key) {
  Recipient r;
  r.jwe_key = std::move(key);
  return r;
}

Recipient Recipient::AttestationAgent(std::string kid, crypto::SecretBytes kek) {
  Recipient r;
  r.kid = std::move(kid);
  r.kek = std::make_shared<const crypto::SecretBytes>(std::move(kek));
  return r;
}

Result<EncryptedLayer> EncryptLayerStream(Source& plaintext_blob, Sink& out,
                                          const std::vector<Recipient>& recipients,
                                          const Digest& original_digest,
                                          std::string_view plain_media_type) {
  auto wrappers = Wrappers(recipients);
  if (wrappers.empty()) return InvalidArgument("layer encryption needs at least one recipient");
  EncryptedLayer layer;
  ASSIGN_OR_RETURN(layer.media_type, EncryptedMediaType(plain_media_type));

  MeasuringSink measuring(&out);
  EncryptingSink encrypting(&measuring);
  TRY(Pump(plaintext_blob, encrypting));
  layer.digest = measuring.digest();
  layer.size = measuring.size();

  LayerKey key = encrypting.key().Clone();
  key.digest = original_digest.String();
  const crypto::SecretBytes private_opts = SerializePrivateOptions(key);
  for (const auto& w : wrappers) {
    ASSIGN_OR_RETURN(Bytes wrapped, w->Wrap(private_opts.span()));
    std::string& value = layer.annotations[w->AnnotationName()];
    value += (value.empty() ? "" : ",") + base::Base64Encode(wrapped);
  }
  layer.annotations[std::string(kEncPubopts)] =
      base::Base64Encode(SerializePublicOptions(PublicOptions{.hmac = encrypting.hmac()}));
  return layer;
}

}  // namespace cocoon::image
