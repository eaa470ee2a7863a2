package policy
x := [n | [n, "y"] = input.p[_]]
allow if { every v in x { v > 1 } with input.p as [] }
f(a) := 1 if a else := 2
