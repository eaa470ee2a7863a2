# Serves every "resource" request from any attested client (testing only).
package policy

import rego.v1

default allow := false

allow if data.plugin == "resource"
