// Integers beyond 64 bits. OPA's numbers are arbitrary precision; certificate serial numbers,
// for one, are often 128-bit. An integer that fits int64/uint64 stays a plain Json number; a
// larger one is a Json *binary* value with subtype kBigIntSubtype holding its decimal text
// ("-" then digits, no leading zeros) — no JSON document can produce a binary value, so it
// cannot be confused with input. Rego ordering, equality and integer arithmetic are exact;
// ToJson (value.h) writes a big integer as the nearest double, as JSON numbers leave here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/json.h"

namespace cocoon::policy::rego {

inline constexpr std::uint8_t kBigIntSubtype = 0xB1;
// A number literal beyond the double range ("2e308"): a big integer holding the literal's text
// (its value is the integer the text writes). OPA keeps a number's text; sprintf and term text
// print it as written.
inline constexpr std::uint8_t kBigLiteralSubtype = 0xB2;

bool IsBigInt(const Json& j);
// An integer Json or a big integer.
bool IsInteger(const Json& j);
// A number Json or a big integer.
bool IsNumeric(const Json& j);
// The value of decimal integer text ("-123…"): a plain Json number when it fits 64 bits.
// nullopt if `text` is not an integer.
std::optional<Json> IntegerFromText(std::string_view text);
// A literal such as "2e308" or "1.5e400" (decimal digits, optional fraction and exponent) whose
// value is an integer of at most 4096 digits, kept with its text (kBigLiteralSubtype); nullopt
// otherwise.
std::optional<Json> IntegerFromLiteral(std::string_view literal);
// The text a kBigLiteralSubtype value was written with; nullopt for any other value.
std::optional<std::string> LiteralText(const Json& j);
// A non-negative integer from big-endian bytes (a certificate serial number).
Json IntegerFromBytes(ByteSpan be);
// Decimal text of an integer value (IsInteger).
std::string IntegerText(const Json& j);
// Nearest double of any numeric value.
double ToDouble(const Json& j);
// Three-way comparison of two integer values.
int CompareIntegers(const Json& a, const Json& b);
// a op b for integer values, op one of + - * % (exact), or / (exact when it divides, else
// nullopt so the caller falls back to floating point). nullopt for % or / by zero.
std::optional<Json> IntegerArith(char op, const Json& a, const Json& b);

}  // namespace cocoon::policy::rego
