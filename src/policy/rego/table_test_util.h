// Test helper: table-driven Rego cases, each a module evaluated for `data.p.x` (OPA's answer,
// written from the language reference and builtin docs, is the expected JSON).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "policy/rego_engine.h"

namespace cocoon::policy::regotest {

struct RegoCase {
  const char* name;
  const char* src;    // module text after the prelude
  const char* input;  // JSON
  const char* want;   // JSON value of data.p.x; "undefined" when x is undefined
};

inline void RunRegoTable(const std::vector<RegoCase>& cases,
                         std::string_view prelude = "package p\nimport rego.v1\n") {
  for (const auto& c : cases) {
    std::string src = std::string(prelude) + c.src;
    auto p = NewRegoEngine()->Compile("t.rego", src);
    ASSERT_TRUE(p) << c.name << ": " << p.error().message();
    Json input = *base::ParseJson(c.input);
    auto r = (*p)->Evaluate("data.p.x", &input, Json::object());
    ASSERT_TRUE(r) << c.name << ": " << r.error().message();
    if (std::string_view(c.want) == "undefined") {
      EXPECT_FALSE(r->has_value()) << c.name << ": got " << base::DumpJson(**r);
    } else {
      ASSERT_TRUE(r->has_value()) << c.name << ": undefined";
      EXPECT_EQ(base::DumpJson(**r), base::DumpJson(*base::ParseJson(c.want))) << c.name;
    }
  }
}

// Compiling or evaluating `src` fails with a message starting with `want`.
inline void ExpectRegoError(const char* name, std::string_view src, std::string_view want,
                            std::string_view input = "{}") {
  auto p = NewRegoEngine()->Compile("t.rego", src);
  std::string msg;
  if (!p) {
    msg = p.error().message();
  } else {
    Json in = *base::ParseJson(input);
    auto r = (*p)->Evaluate("data.p.x", &in, Json::object());
    ASSERT_FALSE(r) << name << ": evaluated without error";
    msg = r.error().message();
  }
  EXPECT_TRUE(msg.starts_with(want)) << name << ": " << msg;
}

}  // namespace cocoon::policy::regotest
