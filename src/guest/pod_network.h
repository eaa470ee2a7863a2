// The pod network inside the guest: the host's UpdateInterface and UpdateRoutes (kata's agent
// messages) applied with the kernel's IPv4 ioctls. The requests come from the host, which owns
// the network anyway; they are checked for shape (addresses, prefix lengths, names) and can
// only configure the link whose MAC they name.
#pragma once

#include "agent.pb.h"
#include "base/error.h"

namespace cocoon::guest {

// Finds the link whose MAC is `hwAddr`, renames it to `name` (when given and different), sets
// its MTU and first IPv4 address and brings it up; returns the interface as configured.
// NotFound naming the MAC when no link has it; InvalidArgument for a malformed field;
// Unimplemented for an IPv6-only interface.
Result<::grpc::Interface> ApplyInterface(const ::grpc::Interface& nic);

// Adds the routes: those without a gateway first, then those with one; a default route (dest ""
// or "0.0.0.0/0") replaces the guest's current default route. IPv6 routes are skipped.
Result<::grpc::Routes> ApplyRoutes(const ::grpc::Routes& routes);

}  // namespace cocoon::guest
