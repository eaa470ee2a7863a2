// Rego values on top of Json. Ordering follows Rego's total order
// null < boolean < number < string < array < object < set.
//
// Sets: a Json array whose first element is the set marker (a `discarded` Json, which neither a
// JSON document nor a Rego literal can produce), followed by the members in Rego order without
// duplicates. Membership is a binary search (O(log n)); iteration is in OPA's sorted order.
// Object keys that are not strings (numbers, sets, ...) are stored as "\xff" + their JSON text
// (invalid UTF-8, so no parsed document has such a key) and decoded when keys are read.
// ToJson turns a value into plain JSON (sets → sorted arrays, keys → their JSON text), as OPA
// serialises it; every value leaving the interpreter goes through it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/json.h"

namespace cocoon::policy::rego {

// Three-way comparison in Rego's total order (numbers compare by value across int/float).
int Compare(const Json& a, const Json& b);
bool Equal(const Json& a, const Json& b);

// ---- sets ----
bool IsSet(const Json& j);
// An array that is not a set.
inline bool IsArray(const Json& j) { return j.is_array() && !IsSet(j); }
Json EmptySetValue();
// Sorts and de-duplicates `members` into a set.
Json MakeSet(std::vector<Json> members);
// Members of a set, in order (empty span for a non-set).
std::span<const Json> Members(const Json& set);
size_t SetSize(const Json& set);
// The member equal to `v`, or nullptr.
const Json* SetFind(const Json& set, const Json& v);
inline bool SetContains(const Json& set, const Json& v) { return SetFind(set, v) != nullptr; }
// "|", "&", "-" of two sets.
Json SetOp(char op, const Json& a, const Json& b);
// Elements of an array or members of a set; nullopt for anything else.
std::optional<std::span<const Json>> Elements(const Json& coll);
// Size of a collection as Rego counts it (sets exclude the marker).
size_t CollSize(const Json& coll);

// `coll[key]`: array index, object key (any Rego value) or set member; nullptr if absent.
const Json* Index(const Json& coll, const Json& key);

// ---- object keys ----
// The Json object key for a Rego key value; strings are themselves.
std::string KeyOf(const Json& key);
// The Rego value of a stored object key.
Json KeyValue(const std::string& stored);
inline bool IsPlainKey(const std::string& stored) {
  return stored.empty() || static_cast<unsigned char>(stored[0]) != 0xff;
}

// True when an object has non-string keys (stored encoded, after every string key).
bool HasEncodedKeys(const Json& obj);
// An object's entries in Rego key order (null < booleans < numbers < strings < …), OPA's
// iteration order: {"b": 1, 10: 2, 9: 3} iterates 9, 10, "b".
std::vector<std::pair<Json, const Json*>> SortedEntries(const Json& obj);

// Plain JSON of a Rego value (sets → arrays, encoded keys → their JSON text).
Json ToJson(const Json& v);
// True if `v` holds a set or an encoded key anywhere (ToJson would change it).
bool NeedsToJson(const Json& v);

// A value written as Rego source (`[1, "a"]`, `{"k": 1}`, `{1, 2}`, `set()`): OPA's term text,
// used by sprintf for values that are neither strings nor numbers.
std::string RegoText(const Json& v);
// "null", "boolean", "number", "string", "array", "object" or "set".
std::string TypeNameOf(const Json& v);

// Sorts and de-duplicates a plain array in place (kept for callers that sort arrays).
void Normalize(Json& arr);

// Number helpers: integers stay integers while exact; otherwise double.
std::optional<Json> Arith(const std::string& op, const Json& a, const Json& b);
Json NumberFrom(double d);

}  // namespace cocoon::policy::rego
