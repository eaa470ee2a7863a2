# A KBS resource policy (docs/kbs.md, docs/policy.md): serve resources under default/key/ and
# default/image-key/ only, and only to a guest whose evidence the attestation service appraised
# as "affirming". input = the EAR token's claims; data = {"plugin", "resource-path", "query"}.
package policy

import rego.v1

default allow := false

allowed_types := {"key", "image-key"}

allow if {
	data.plugin == "resource"
	data["resource-path"][0] == "default"
	data["resource-path"][1] in allowed_types
	input.submods.cpu0["ear.status"] == "affirming"
}
