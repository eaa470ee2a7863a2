# Release a resource only when every submodule of the EAR token was appraised "affirming" (the
# same decision as `[policy_engine] builtin = "affirming"`); upload it with
# `cocoon kbs set-policy --file affirming.rego` to switch a running KBS over (docs/hardware-tee.md).
package policy

import rego.v1

default allow := false

allow if {
	count(input.submods) > 0
	every submod in input.submods {
		submod["ear.status"] == "affirming"
	}
}
