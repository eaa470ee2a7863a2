// `cocoon kbs …`: the guest-side RCAR client (sample attester) and the KBS admin client.
#include <cstdio>
#include <iostream>

#include "base/file.h"
#include "cmd/cocoon/commands.h"
#include "guest/kbs_client.h"
#include "jose/jws.h"
#include "kbs/admin_client.h"
#include "tee/sample/sample.h"

namespace cocoon::cli {
namespace {

struct KbsFlags {
  std::string url = "http://127.0.0.1:8080";
  std::string cacert;
  std::string tee_key = "ec";
  std::string admin_key;
  std::string admin_role = "admin";
  std::string admin_issuer;
  std::string admin_audience;
};

int Fail(const Error& e) {
  std::fprintf(stderr, "cocoon: %s\n", e.ToString().c_str());
  return 1;
}

Result<std::unique_ptr<guest::KbsClient>> MakeClient(const KbsFlags& f) {
  guest::KbsClientOptions o;
  o.url = f.url;
  o.ca_file = f.cacert;
  ASSIGN_OR_RETURN(o.key_type, guest::ParseTeeKeyType(f.tee_key));
  return guest::KbsClient::Create(std::move(o), tee::sample::NewAttester());
}

Result<kbs::AdminClient> MakeAdmin(const KbsFlags& f) {
  kbs::AdminClientOptions o;
  o.url = f.url;
  o.ca_file = f.cacert;
  o.role = f.admin_role;
  o.issuer = f.admin_issuer;
  o.audience = f.admin_audience;
  TRY(kbs::LoadAdminKey(f.admin_key, o));
  return kbs::AdminClient(std::move(o));
}

void AddCommon(CLI::App* c, KbsFlags* f, bool admin) {
  c->add_option("--url", f->url, "KBS base URL")->capture_default_str();
  c->add_option("--cacert", f->cacert, "PEM CA certificate to trust for an HTTPS KBS");
  if (admin) {
    c->add_option("--admin-key", f->admin_key,
                  "private key (PEM, Ed25519 or EC P-256) that signs the admin token");
    c->add_option("--admin-role", f->admin_role, "role claim of the admin token")
        ->capture_default_str();
    c->add_option("--admin-issuer", f->admin_issuer, "iss claim of the admin token");
    c->add_option("--admin-audience", f->admin_audience, "aud claim of the admin token");
  } else {
    c->add_option("--tee-key-type", f->tee_key, "TEE key: ec (P-256), p521 or rsa")
        ->capture_default_str();
  }
}

// The token's header and claims as one JSON document, for reading (`kbs attest --decode`). The
// token came from the KBS the client just attested to; its signature is the relying party's
// business (the KBS's key is at /.well-known/jwks.json). InvalidArgument if it is not a JWT.
Result<std::string> DecodeToken(std::string_view token) {
  ASSIGN_OR_RETURN(jose::JwsParts parts, jose::ParseCompact(token));
  auto claims = base::ParseJson(parts.payload);
  if (!claims) return InvalidArgument("token claims: " + claims.error().message());
  Json out = {{"header", parts.header}, {"claims", *claims}};
  return out.dump(2, ' ', false, Json::error_handler_t::replace);
}

std::string StripScheme(const std::string& p) {
  constexpr std::string_view kPrefix = "kbs:///";
  return p.rfind(kPrefix, 0) == 0 ? p.substr(kPrefix.size()) : p;
}

}  // namespace

void AddKbsCommands(CLI::App& app, int* exit_code) {
  auto* kbs = app.add_subcommand("kbs", "Talk to a Key Broker Service (Trustee protocol 0.4.0)");
  kbs->require_subcommand(1);
  auto flags = std::make_shared<KbsFlags>();

  auto* attest =
      kbs->add_subcommand("attest", "Run the RCAR handshake (sample TEE); print the token");
  AddCommon(attest, flags.get(), false);
  auto decode = std::make_shared<bool>(false);
  attest->add_flag("--decode", *decode,
                   "print the EAR token's header and claims as JSON instead of the token");
  attest->callback([flags, decode, exit_code] {
    auto client = MakeClient(*flags);
    if (!client) return void(*exit_code = Fail(client.error()));
    auto token = (*client)->Attest();
    if (!token) return void(*exit_code = Fail(token.error()));
    if (!*decode) return void(std::cout << *token << "\n");
    auto text = DecodeToken(*token);
    if (!text) return void(*exit_code = Fail(text.error()));
    std::cout << *text << "\n";
  });

  auto* get = kbs->add_subcommand("get-resource", "Attest, fetch a resource and print it");
  auto uri = std::make_shared<std::string>();
  get->add_option("uri", *uri, "kbs:///<repository>/<type>/<tag>")->required();
  AddCommon(get, flags.get(), false);
  get->callback([flags, uri, exit_code] {
    auto client = MakeClient(*flags);
    if (!client) return void(*exit_code = Fail(client.error()));
    auto secret = (*client)->GetResource(*uri);
    if (!secret) return void(*exit_code = Fail(secret.error()));
    std::fwrite(secret->data(), 1, secret->size(), stdout);
    std::fflush(stdout);
  });

  auto* set = kbs->add_subcommand("set-resource", "Store a resource (admin)");
  auto path = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto value = std::make_shared<std::string>();
  set->add_option("path", *path, "<repository>/<type>/<tag> or kbs:///…")->required();
  auto* fopt = set->add_option("--file", *file, "read the value from this file");
  set->add_option("--value", *value, "the value as a string")->excludes(fopt);
  AddCommon(set, flags.get(), true);
  set->callback([flags, path, file, value, exit_code] {
    auto admin = MakeAdmin(*flags);
    if (!admin) return void(*exit_code = Fail(admin.error()));
    std::string data = *value;
    if (!file->empty()) {
      auto content = base::ReadFile(*file);
      if (!content) return void(*exit_code = Fail(content.error()));
      data = *content;
    }
    auto st = admin->SetResource(StripScheme(*path), AsBytes(data));
    if (!st) return void(*exit_code = Fail(st.error()));
  });

  auto* del = kbs->add_subcommand("delete-resource", "Delete a resource (admin)");
  del->add_option("path", *path, "<repository>/<type>/<tag>")->required();
  AddCommon(del, flags.get(), true);
  del->callback([flags, path, exit_code] {
    auto admin = MakeAdmin(*flags);
    if (!admin) return void(*exit_code = Fail(admin.error()));
    if (auto st = admin->DeleteResource(StripScheme(*path)); !st) *exit_code = Fail(st.error());
  });

  auto* pol = kbs->add_subcommand("set-policy", "Upload a Rego resource or attestation policy");
  auto policy_file = std::make_shared<std::string>();
  auto policy_id = std::make_shared<std::string>();
  pol->add_option("--file", *policy_file, "Rego policy file")->required();
  pol->add_option("--attestation-policy-id", *policy_id,
                  "upload as attestation (EAR) policy with this id, e.g. default_cpu");
  AddCommon(pol, flags.get(), true);
  pol->callback([flags, policy_file, policy_id, exit_code] {
    auto admin = MakeAdmin(*flags);
    if (!admin) return void(*exit_code = Fail(admin.error()));
    auto text = base::ReadFile(*policy_file, "policy");
    if (!text) return void(*exit_code = Fail(text.error()));
    auto st = policy_id->empty() ? admin->SetResourcePolicy(*text)
                                 : admin->SetAttestationPolicy(*policy_id, *text);
    if (!st) *exit_code = Fail(st.error());
  });

  auto* rv = kbs->add_subcommand("set-reference-value",
                                 "Register a sample reference value: NAME VALUE (JSON)");
  auto rv_name = std::make_shared<std::string>();
  auto rv_value = std::make_shared<std::string>();
  auto rv_expires = std::make_shared<std::string>();
  rv->add_option("name", *rv_name)->required();
  rv->add_option("value", *rv_value, "JSON value, e.g. '[\"1\"]'")->required();
  rv->add_option("--expires", *rv_expires,
                 "RFC 3339 time after which policies no longer see the value (default: 12 "
                 "months)");
  AddCommon(rv, flags.get(), true);
  rv->callback([flags, rv_name, rv_value, rv_expires, exit_code] {
    auto admin = MakeAdmin(*flags);
    if (!admin) return void(*exit_code = Fail(admin.error()));
    if (auto st = admin->SetSampleReferenceValue(*rv_name, *rv_value, *rv_expires); !st) {
      *exit_code = Fail(st.error());
    }
  });

  auto* lrv = kbs->add_subcommand(
      "list-reference-values",
      "Print every reference value as JSON: name, value, expiration and whether it expired");
  AddCommon(lrv, flags.get(), true);
  lrv->callback([flags, exit_code] {
    auto admin = MakeAdmin(*flags);
    if (!admin) return void(*exit_code = Fail(admin.error()));
    auto list = admin->ListReferenceValues();
    if (!list) return void(*exit_code = Fail(list.error()));
    std::cout << list->dump(2) << "\n";
  });

  auto* grv = kbs->add_subcommand("get-reference-value",
                                  "Print one reference value (null when absent or expired)");
  auto grv_name = std::make_shared<std::string>();
  grv->add_option("name", *grv_name)->required();
  AddCommon(grv, flags.get(), true);
  grv->callback([flags, grv_name, exit_code] {
    auto admin = MakeAdmin(*flags);
    if (!admin) return void(*exit_code = Fail(admin.error()));
    auto value = admin->GetReferenceValue(*grv_name);
    if (!value) return void(*exit_code = Fail(value.error()));
    std::cout << value->dump() << "\n";
  });

  auto* drv = kbs->add_subcommand("delete-reference-value", "Remove a reference value");
  auto drv_name = std::make_shared<std::string>();
  drv->add_option("name", *drv_name)->required();
  AddCommon(drv, flags.get(), true);
  drv->callback([flags, drv_name, exit_code] {
    auto admin = MakeAdmin(*flags);
    if (!admin) return void(*exit_code = Fail(admin.error()));
    if (auto st = admin->DeleteReferenceValue(*drv_name); !st) *exit_code = Fail(st.error());
  });
}

}  // namespace cocoon::cli
