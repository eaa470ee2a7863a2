# cocoon's default KBS resource policy (same decision as Trustee's kbs/sample_policies/default.rego):
# the "resource" plugin is served to every attested TEE except the sample attester.
# input: the verified EAR token claims; data: {"plugin", "resource-path", "query"}.
package policy

import rego.v1

default allow := false

from_sample_tee if input.submods.cpu0["ear.veraison.annotated-evidence"].sample

allow if {
	data.plugin == "resource"
	not from_sample_tee
}
