// Rego values on top of Json. Sets are represented as sorted, de-duplicated JSON arrays (the
// same shape OPA uses when it serialises a set to JSON); ordering follows Rego's total order
// null < boolean < number < string < array < object.
#pragma once

#include <optional>
#include <string>

#include "base/json.h"

namespace cocoon::policy::rego {

// Three-way comparison in Rego's total order (numbers compare by value across int/float).
int Compare(const Json& a, const Json& b);
bool Equal(const Json& a, const Json& b);

// Sorts and de-duplicates `arr` in place, turning it into a set.
void Normalize(Json& arr);

// Number helpers: integers stay integers while exact; otherwise double.
std::optional<Json> Arith(const std::string& op, const Json& a, const Json& b);
Json NumberFrom(double d);

}  // namespace cocoon::policy::rego
