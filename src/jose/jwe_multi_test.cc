#include "jose/jwe_multi.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cocoon::jose {
namespace {

using crypto::KeyType;
using crypto::PrivateKey;

std::string ProtectedHeader(const OrderedJson& jwe) {
  return ToString(*base::Base64UrlDecode(jwe["protected"].get<std::string>()));
}

Json ToJson(const OrderedJson& j) { return *base::ParseJson(base::DumpJson(j)); }

TEST(JweMultiTest, SingleRsaRecipientIsFlattenedGoJoseShape) {
  auto rsa = *PrivateKey::Generate(KeyType::kRsa);
  std::vector<crypto::PublicKey> keys{rsa.public_key()};
  auto jwe = EncryptMultiRecipient(keys, AsBytes("opts"));
  ASSERT_TRUE(jwe.has_value()) << jwe.error().ToString();
  EXPECT_EQ(ProtectedHeader(*jwe), R"({"alg":"RSA-OAEP","enc":"A256GCM"})");
  EXPECT_FALSE(jwe->contains("recipients"));
  auto pt = DecryptAnyRecipient(ToJson(*jwe), rsa);
  ASSERT_TRUE(pt.has_value()) << pt.error().ToString();
  EXPECT_EQ(pt->view(), "opts");
}

TEST(JweMultiTest, SingleEcRecipientHasEpkInGoJoseOrder) {
  auto ec = *PrivateKey::Generate(KeyType::kEcP256);
  std::vector<crypto::PublicKey> keys{ec.public_key()};
  auto jwe = EncryptMultiRecipient(keys, AsBytes("opts"));
  ASSERT_TRUE(jwe.has_value());
  EXPECT_EQ(
      ProtectedHeader(*jwe).rfind(
          R"({"alg":"ECDH-ES+A256KW","enc":"A256GCM","epk":{"kty":"EC","crv":"P-256","x":)", 0),
      0u);
  EXPECT_EQ(DecryptAnyRecipient(ToJson(*jwe), ec)->view(), "opts");
}

TEST(JweMultiTest, SeveralRecipientsEachDecrypt) {
  auto rsa = *PrivateKey::Generate(KeyType::kRsa);
  auto ec = *PrivateKey::Generate(KeyType::kEcP384);
  std::vector<crypto::PublicKey> keys{rsa.public_key(), ec.public_key()};
  auto jwe = EncryptMultiRecipient(keys, AsBytes("shared"));
  ASSERT_TRUE(jwe.has_value());
  EXPECT_EQ(ProtectedHeader(*jwe), R"({"enc":"A256GCM"})");
  ASSERT_EQ((*jwe)["recipients"].size(), 2u);
  EXPECT_EQ((*jwe)["recipients"][0]["header"]["alg"], "RSA-OAEP");
  EXPECT_EQ((*jwe)["recipients"][1]["header"]["alg"], "ECDH-ES+A256KW");
  EXPECT_EQ((*jwe)["encrypted_key"], (*jwe)["recipients"][0]["encrypted_key"]);
  EXPECT_EQ(DecryptAnyRecipient(ToJson(*jwe), rsa)->view(), "shared");
  EXPECT_EQ(DecryptAnyRecipient(ToJson(*jwe), ec)->view(), "shared");
}

TEST(JweMultiTest, WrongKeysFail) {
  auto rsa = *PrivateKey::Generate(KeyType::kRsa);
  auto other_rsa = *PrivateKey::Generate(KeyType::kRsa);
  auto ed = *PrivateKey::Generate(KeyType::kEd25519);
  auto ec = *PrivateKey::Generate(KeyType::kEcP256);
  std::vector<crypto::PublicKey> keys{rsa.public_key(), rsa.public_key()};
  Json jwe = ToJson(*EncryptMultiRecipient(keys, AsBytes("x")));
  EXPECT_EQ(DecryptAnyRecipient(jwe, other_rsa).error().code(), Code::kUnauthenticated);
  EXPECT_EQ(DecryptAnyRecipient(jwe, ec).error().code(), Code::kInvalidArgument);
  std::vector<crypto::PublicKey> bad{ed.public_key()};
  EXPECT_EQ(EncryptMultiRecipient(bad, AsBytes("x")).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(EncryptMultiRecipient({}, AsBytes("x")).error().code(), Code::kInvalidArgument);
}

TEST(JweMultiTest, MalformedRecipientsRejected) {
  auto rsa = *PrivateKey::Generate(KeyType::kRsa);
  EXPECT_EQ(DecryptAnyRecipient(*base::ParseJson(R"({"recipients":[]})"), rsa).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(DecryptAnyRecipient(*base::ParseJson(R"({"recipients":[1]})"), rsa).error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(DecryptAnyRecipient(*base::ParseJson(R"({"recipients":{}})"), rsa).error().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::jose
