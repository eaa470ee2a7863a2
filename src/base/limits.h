// Every limit cocoon applies to untrusted input, in one place. Tests check each at the limit
// and one past it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cocoon::limits {

// HTTP
inline constexpr size_t kDefaultHttpBodyBytes = 2 * 1024 * 1024;  // Trustee payload_request_size
inline constexpr size_t kHttpHeaderBytes = 128 * 1024;            // actix request-head limit
inline constexpr int kHttpHeaderTimeoutMs = 10'000;
inline constexpr int kHttpReadTimeoutMs = 30'000;
inline constexpr int kHttpIdleTimeoutMs = 60'000;
// Open connections a server accepts in total and from one client address (an IPv6 client is
// its /64); beyond either the connection is answered 503 (plain HTTP) or closed (TLS).
inline constexpr size_t kHttpMaxConnections = 4096;
inline constexpr size_t kHttpMaxConnectionsPerIp = 256;

// JSON
inline constexpr int kJsonMaxDepth = 64;

// JOSE
inline constexpr size_t kJwtMaxBytes = 128 * 1024;
inline constexpr int64_t kJwtClockSkewSeconds = 60;

// TPM (tee/tpm): TPM 2.0 structures and the TCG PC Client event log
inline constexpr size_t kTpmAttestMaxBytes = 1024;        // sizeof(TPMS_ATTEST) in TPM2B_ATTEST
inline constexpr size_t kTpmDigestMaxBytes = 64;          // TPMU_HA: SHA-512
inline constexpr size_t kTpmDataMaxBytes = 66;            // TPM2B_DATA / TPM2B_NAME: sizeof(TPMT_HA)
inline constexpr size_t kTpmPcrBanksMax = 16;             // TPML_PCR_SELECTION.count (HASH_COUNT)
inline constexpr size_t kTpmPcrSelectMaxBytes = 4;        // sizeofSelect: 32 PCRs
inline constexpr size_t kTpmRsaMaxBytes = 512;            // TPM2B_PUBLIC_KEY_RSA: 4096-bit
inline constexpr size_t kTpmEccParamMaxBytes = 66;        // TPM2B_ECC_PARAMETER: P-521
inline constexpr size_t kTpmPcrValuesMax = 24 * 4;        // "pcrs" entries in the evidence
inline constexpr size_t kTpmEventLogMaxBytes = 16 * 1024 * 1024;
inline constexpr size_t kTpmEventLogMaxEvents = 100'000;
inline constexpr size_t kTpmEventMaxBytes = 1024 * 1024;  // one event's data
inline constexpr size_t kTpmEventLogAlgsMax = 16;         // Spec ID numberOfAlgorithms

// KBS
inline constexpr size_t kResourcePathSegmentBytes = 256;
inline constexpr size_t kEvidenceMaxBytes = kDefaultHttpBodyBytes;
inline constexpr size_t kX509ChainMaxLength = 8;
inline constexpr size_t kMaxSessions = 1'000'000;
// Admin ACLs run std::regex (base/regex.h's ECMAScript dialect: backtracking, recursion per
// input char) over the request URI.
inline constexpr size_t kAdminUriMaxBytes = 2048;

// Regular expressions of Rego's regex.* builtins (base/regex.h, RE2): a longer pattern does not
// compile; the builtins are undefined on a longer subject.
inline constexpr size_t kRegexPatternMaxBytes = 1024;
inline constexpr size_t kRegexSubjectMaxBytes = 16 * 1024;

// SEV-SNP evidence (tee/snp): certificates per evidence, bytes per certificate or CRL, and the
// configfs-tsm auxblob / SNP_GET_EXT_REPORT certificate buffer.
inline constexpr size_t kSnpCertChainMaxEntries = 8;
inline constexpr size_t kSnpCertMaxBytes = 16 * 1024;
inline constexpr size_t kSnpCertTableMaxBytes = 64 * 1024;
inline constexpr size_t kSnpVcekCacheEntries = 1024;  // Trustee's VCEK cache size
// AMD's KDS CRLs (one per product and key kind): size, and how long a fetched one is used
// before it is fetched again (AMD's nextUpdate is days away; a revocation shows within this).
inline constexpr size_t kSnpCrlMaxBytes = 64 * 1024;
inline constexpr int64_t kSnpCrlRefreshSeconds = 6 * 3600;

// Images (registry, ocicrypt, signatures, unpack)
inline constexpr size_t kManifestMaxBytes = 4 * 1024 * 1024;      // containerd's manifest limit
inline constexpr size_t kImageConfigMaxBytes = 8 * 1024 * 1024;
inline constexpr uint64_t kLayerMaxBytes = 16ULL * 1024 * 1024 * 1024;  // one compressed blob
inline constexpr uint64_t kUnpackedLayerMaxBytes = 64ULL * 1024 * 1024 * 1024;
inline constexpr uint64_t kDecompressionMaxRatio = 1024;  // unpacked bytes per compressed byte
// The ratio is only checked past this much output, so tiny highly-compressible layers pass.
inline constexpr uint64_t kDecompressionRatioGraceBytes = 1ULL << 30;  // sparse files compress ~28000:1 (zstd)
inline constexpr int kZstdWindowLogMax = 27;  // 128 MiB window: libzstd's default limit
inline constexpr size_t kTarMaxEntries = 1'000'000;
// Tar bombs: the sum of the file sizes a layer's headers declare (sparse files count at their
// full size), and the number of components in one entry's path.
inline constexpr uint64_t kTarMaxUnpackedBytes = 8ULL * 1024 * 1024 * 1024;
inline constexpr size_t kTarMaxPathDepth = 128;
// Wrapped layer keys per annotation value, and recipients per JWE, that a decrypter will try.
inline constexpr size_t kOcicryptMaxWrappedKeys = 64;
inline constexpr size_t kTarPathMaxBytes = 4096;       // PATH_MAX
inline constexpr size_t kTarXattrMaxBytes = 64 * 1024;  // XATTR_SIZE_MAX
inline constexpr size_t kTarXattrsPerEntryMax = 1024;
inline constexpr size_t kRootfsPasswdMaxBytes = 4 * 1024 * 1024;  // /etc/passwd, /etc/group
inline constexpr size_t kSignatureMaxBytes = 4 * 1024 * 1024;  // containers/image's limit
inline constexpr size_t kSignaturesPerImageMax = 128;
inline constexpr size_t kPolicyJsonMaxBytes = 1024 * 1024;
inline constexpr size_t kAuthTokenMaxBytes = 1024 * 1024;
inline constexpr int kRegistryRetries = 5;

// Agent protocol (ttrpc)
inline constexpr size_t kTtrpcMaxFrameBytes = 4 * 1024 * 1024;  // containerd/ttrpc messageLengthMax
inline constexpr size_t kTtrpcMaxInflight = 128;  // concurrent calls one connection may have open
inline constexpr size_t kAgentReadChunkBytes = 64 * 1024;  // one ReadStdout/ReadStderr answer

}  // namespace cocoon::limits
