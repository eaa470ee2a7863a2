// Initdata: the TOML document a pod is launched with (specs kata-runtime-and-measurement.md
// §4.5; Trustee attestation-service `parse_init_data`). `version`, `algorithm` (sha256, sha384,
// sha512) and a [data] table whose "aa.toml" and "cdh.toml" entries are TOML documents in
// strings and whose "policy.rego" is the agent policy. Its digest (the algorithm over the raw
// bytes) is bound into the TEE evidence (SNP HOSTDATA, TDX MRCONFIGID, TPM PCR 8), so
// everything the guest trusts arrives through it. This module writes it (host), parses the
// fields the guest uses (agent) and digests it (guest, attestation service). The text is
// untrusted until its digest matches the evidence (guest/initdata_binding.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"

namespace cocoon::initdata {

// ---- digest ---------------------------------------------------------------------------------

// Initdata as the KBS protocol carries it (`init-data` of an attestation request).
struct InitData {
  std::string format;  // must be "toml"
  std::string body;
};

struct InitDataDigest {
  std::string algorithm;  // the document's ("sha384" when it names none)
  Bytes digest;
  Json claims;  // the `data` table as JSON (values of *.toml entries parsed as TOML)
};

// The digest (the document's `algorithm`, sha384 when absent, over the raw bytes) and claims.
// InvalidArgument for other formats, malformed TOML, or an unknown algorithm.
Result<InitDataDigest> DigestInitData(const InitData& init_data);

// ---- the document cocoon reads and writes -------------------------------------------------

// One `[[image.registry_config.registry]]` entry of cdh.toml (containers-registries.conf(5)
// subset, image-rs's shape): images under `prefix` are fetched from `location` instead;
// `insecure` allows plain HTTP and unverified TLS for it. The image keeps its name for the
// signature policy. cocoon's additions, for a registry the pod VM reaches through a host
// forward: `connect_to` ("10.0.2.100:PORT") is where its connections go while TLS still
// verifies the location's own name, against the PEM bundle `ca_certs` (the guest has no system
// store of its own).
struct RegistryRemap {
  std::string prefix;    // "host[:port][/path]"
  std::string location;  // same form; empty: the prefix itself
  bool insecure = false;
  std::string connect_to{};  // "ip:port"; empty: connect to the location itself
  std::string ca_certs{};    // PEM; empty: the guest's default store
};

// The fields cocoon puts in initdata and the agent reads back.
struct Document {
  // The digest algorithm: the TEE field that binds it is 32 bytes on SNP (HOSTDATA, so sha256)
  // and 48 on TDX (MRCONFIGID, so sha384).
  std::string algorithm = "sha384";
  std::string kbs_url;                    // cdh.toml [kbc] url (and aa.toml's); empty: none
  std::string kbs_cert;                   // cdh.toml [kbc] kbs_cert, PEM; empty: none
  std::string image_security_policy;      // cdh.toml [image], containers-policy.json text
  std::vector<RegistryRemap> registries;  // cdh.toml [image.registry_config] registry entries
  std::string agent_policy;               // "policy.rego"; empty: the agent's default
};

// The TOML text `cocoon run` launches a pod with: version 0.1.0, aa.toml and cdh.toml carrying
// the KBS URL, the image signature policy and the registry remaps, policy.rego for the agent.
// InvalidArgument for an algorithm other than sha256|sha384|sha512 or a policy that is not JSON.
Result<std::string> WriteDocument(const Document& document);

// The fields of `toml` cocoon uses. InvalidArgument if the TOML is malformed, has no [data]
// table, a field has the wrong type, a registry entry has neither prefix nor location, there are
// more than 64 of them, kbc.kbs_cert holds no PEM certificate or is given with a URL that is not
// https.
Result<Document> ParseDocument(std::string_view toml);

// The KBS URL the guest uses: the initdata's when it names one, else `host_url`. The host
// (CreateSandbox, agent flags) may repeat the initdata's URL but not replace it:
// PermissionDenied naming both URLs and `source` when they differ (trailing '/' ignored).
Result<std::string> ChooseKbsUrl(const Document& document, std::string_view host_url,
                                 std::string_view source);

// The ports of every `<address>:<port>` the text names (in order, without repeats): the host
// services a user-supplied initdata expects the guest to reach, wherever in the document they
// appear (cdh.toml, aa.toml, entries cocoon does not read).
std::vector<uint16_t> ServicePorts(std::string_view toml, std::string_view address);

}  // namespace cocoon::initdata
