# cocoon's default KBS resource policy. Like Trustee's kbs/sample_policies/default.rego it serves
# the "resource" plugin to attested TEEs except the sample attester; beyond Trustee it refuses
# what is obviously untrustworthy whatever the reference values say: an appraisal that is
# "contraindicated", and a guest that allows debugging (its memory is readable by the host).
# What it releases, and what an owner adds for production: docs/security.md.
# input: the verified EAR token claims; data: {"plugin", "resource-path", "query"}.
package policy

import rego.v1

default allow := false

from_sample_tee if input.submods.cpu0["ear.veraison.annotated-evidence"].sample

contraindicated if {
	some submod in input.submods
	submod["ear.status"] == "contraindicated"
}

debug_guest if {
	some submod in input.submods
	submod["ear.veraison.annotated-evidence"].snp.policy_debug_allowed == true
}

debug_guest if {
	some submod in input.submods
	submod["ear.veraison.annotated-evidence"].tdx.td_attributes.debug == true
}

allow if {
	data.plugin == "resource"
	not from_sample_tee
	not contraindicated
	not debug_guest
}
