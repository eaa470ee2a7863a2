# cocoon's default EAR appraisal policy for CPU TEEs (policy id "default_cpu").
#
# It answers two rules for the attestation service:
#   trust_claims  AR4SI trustworthiness claims (draft-ietf-rats-ar4si): name -> value
#   extensions    EAR extensions; here ear.trustee.identifiers (key -18) from the init-data
# The facts follow Trustee's ear_default_policy_cpu.rego: the same reference-value ids, the same
# claim values, so appraisals agree with a Trustee AS fed the same reference values. One
# difference: a guest that allows debugging (SNP policy DEBUG, TDX TD attribute DEBUG) gets
# configuration 96, so its EAR status is "contraindicated" whatever else matches (Trustee leaves
# it at "no configuration claim").
#
# AR4SI values used: 0 no assertion; 2 approved/genuine; 3 approved executables / config with no
# known vulnerabilities; 4 executables approved at boot only; 33 unrecognised executables;
# 36 configuration unavailable; 96 unsupportable configuration (a debuggable guest);
# 97 unrecognised hardware.
package policy

import rego.v1

rv(id) := query_reference_value(id)

# ---- defaults (no TEE evidence recognised) ----
default executables := 33

default hardware := 97

default configuration := 36

trust_claims := {
	"executables": executables,
	"hardware": hardware,
	"configuration": configuration,
	"file-system": 0,
	"instance-identity": 0,
	"runtime-opaque": 0,
	"storage-opaque": 0,
	"sourced-data": 0,
}

# ---- sample attester (no hardware; for tests and laptops) ----
executables := 3 if {
	input.sample
	input.sample.launch_digest in rv("launch_digest")
}

hardware := 2 if {
	input.sample
	input.sample.svn in rv("svn")
	input.sample.platform_version.major == rv("major_version")
	input.sample.platform_version.minor >= rv("minimum_minor_version")
}

configuration := 2 if {
	input.sample
	input.sample.debug == false
}

# ---- AMD SEV-SNP ----
snp := input.snp

snp_tcb_known if {
	snp.reported_tcb_bootloader in rv("snp_bootloader")
	snp.reported_tcb_microcode in rv("snp_microcode")
	snp.reported_tcb_snp in rv("snp_snp_svn")
	snp.reported_tcb_tee in rv("snp_tee_svn")
}

snp_safe_policy if {
	snp.policy_debug_allowed == false
	snp.policy_migrate_ma == false
}

snp_config_matches if {
	snp.platform_smt_enabled == rv("snp_smt_enabled")
	snp.platform_tsme_enabled == rv("snp_tsme_enabled")
	snp.policy_abi_major == rv("snp_guest_abi_major")
	snp.policy_abi_minor == rv("snp_guest_abi_minor")
	snp.policy_single_socket == rv("snp_single_socket")
	snp.policy_smt_allowed == rv("snp_smt_allowed")
}

executables := 3 if snp.measurement in rv("snp_launch_measurement")

hardware := 2 if snp_tcb_known

configuration := 2 if {
	snp_safe_policy
	snp_config_matches
} else := 3 if {
	snp_safe_policy
} else := 96 if {
	snp.policy_debug_allowed == true
}

# ---- Intel TDX ----
tdx := input.tdx

tdx_genuine_header(quote) if {
	quote.header.tee_type == "81000000"
	quote.header.vendor_id == "939a7233f79c4ca9940a0db3957f0607"
}

tdx_rtmrs_known if {
	tdx.quote.body.rtmr_1 in rv("rtmr_1")
	tdx.quote.body.rtmr_2 in rv("rtmr_2")
}

# The kernel and its command line as measured by TDVF into the UEFI event log.
tdx_event_digest_ok(type_name, id) if {
	some event in tdx.uefi_event_logs
	event.type_name == type_name
	tdx_event_names_kernel(event)
	some d in event.digests
	d.digest == rv(id)
}

tdx_event_names_kernel(event) if {
	event.type_name == "EV_EFI_BOOT_SERVICES_APPLICATION"
	"File(kernel)" in event.details.device_paths
}

tdx_event_names_kernel(event) if {
	event.type_name == "EV_EVENT_TAG"
	event.details.string == "LOADED_IMAGE::LoadOptions"
}

executables := 3 if {
	tdx_rtmrs_known
	tdx_event_digest_ok("EV_EFI_BOOT_SERVICES_APPLICATION", "tdvfkernel")
	tdx_event_digest_ok("EV_EVENT_TAG", "tdvfkernelparams")
} else := 4 if {
	tdx_rtmrs_known
}

hardware := 2 if {
	tdx_genuine_header(tdx.quote)
	tdx.quote.body.mr_td in rv("mr_td")
	tdx.tcb_status == "UpToDate"
	tdx.collateral_expiration_status == "0"
}

configuration := 2 if {
	tdx.td_attributes.debug == false
	tdx.quote.body.xfam in rv("xfam")
} else := 96 if {
	tdx.td_attributes.debug == true
}

# ---- Azure SEV-SNP with a vTPM ----
az_snp := input["az-snp-vtpm"]

executables := 3 if {
	az_snp.measurement in rv("measurement")
	az_snp.tpm.pcr11 in rv("snp_pcr11")
}

hardware := 2 if {
	az_snp.reported_tcb_bootloader in rv("tcb_bootloader")
	az_snp.reported_tcb_microcode in rv("tcb_microcode")
	az_snp.reported_tcb_snp in rv("tcb_snp")
	az_snp.reported_tcb_tee in rv("tcb_tee")
}

configuration := 2 if {
	az_snp.platform_smt_enabled in rv("smt_enabled")
	az_snp.platform_tsme_enabled in rv("tsme_enabled")
	az_snp.policy_abi_major in rv("abi_major")
	az_snp.policy_abi_minor in rv("abi_minor")
	az_snp.policy_single_socket in rv("single_socket")
	az_snp.policy_smt_allowed in rv("smt_allowed")
}

# ---- Azure TDX with a vTPM ----
az_tdx := input["az-tdx-vtpm"]

executables := 3 if az_tdx.tpm.pcr11 in rv("tdx_pcr11")

hardware := 2 if {
	tdx_genuine_header(az_tdx.quote)
	az_tdx.quote.body.mr_td in rv("mr_td")
	az_tdx.tcb_status == "UpToDate"
}

configuration := 2 if az_tdx.quote.body.xfam in rv("xfam")

# ---- TPM (a plain VM with a vTPM) ----
hardware := 2 if input.tpm

executables := 3 if {
	input.tpm.pcr11 in rv("tpm_pcr11")
	input.tpm.ak_public in rv("trusted_aks")
}

configuration := 0 if input.tpm

# ---- IBM Secure Execution (verified entirely by its verifier) ----
executables := 3 if input.se

hardware := 2 if input.se

configuration := 2 if input.se

# ---- EAR extensions ----
agent_containers := input.init_data_claims.agent_policy_claims.containers

container_images := [image |
	some c in agent_containers
	image := c.OCI.Annotations["io.kubernetes.cri.image-name"]
]

container_uids := [uid |
	some c in agent_containers
	uid := c.OCI.Process.User.UID
]

validated_images := {"container_images": container_images} if {
	count(container_images) > 0
} else := {}

validated_uids := {"container_uids": container_uids} if {
	count(container_uids) > 0
} else := {}

extensions := [{
	"name": "ear.trustee.identifiers",
	"key": -18,
	"value": {"validated": object.union(validated_images, validated_uids)},
}]
