# Refuses every request (a safe placeholder until an operator uploads a policy).
package policy

import rego.v1

default allow := false
