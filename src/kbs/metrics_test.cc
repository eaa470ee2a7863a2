// Metrics tests: counters, cumulative histogram buckets, label escaping, and that every line of
// Render() is a well-formed Prometheus text-format line.
#include "kbs/metrics.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <vector>

namespace cocoon::kbs {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool HasLine(const std::string& text, const std::string& line) {
  for (const std::string& l : Lines(text)) {
    if (l == line) return true;
  }
  return false;
}

// The number after the line starting with `prefix`, or -1 if there is none.
double Value(const std::string& text, const std::string& prefix) {
  for (const std::string& l : Lines(text)) {
    if (l.starts_with(prefix)) return std::stod(l.substr(prefix.size()));
  }
  return -1;
}

TEST(MetricsTest, CountsRequestsByRouteAndStatus) {
  Metrics m;
  m.ObserveRequest("auth", 200, 0.0001);
  m.ObserveRequest("auth", 200, 0.002);
  m.ObserveRequest("attest", 401, 0.2);
  const std::string out = m.Render();
  EXPECT_TRUE(HasLine(out, "# TYPE kbs_http_requests_total counter"));
  EXPECT_TRUE(HasLine(out, R"(kbs_http_requests_total{route="auth",status="200"} 2)"));
  EXPECT_TRUE(HasLine(out, R"(kbs_http_requests_total{route="attest",status="401"} 1)"));
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics m;
  for (double s : {0.0001, 0.0005, 0.003, 0.02, 0.7, 3.0}) m.ObserveRequest("resource", 200, s);
  const std::string out = m.Render();
  const std::string p = R"(kbs_http_request_duration_seconds_bucket{route="resource",le=")";
  EXPECT_TRUE(HasLine(out, "# TYPE kbs_http_request_duration_seconds histogram"));
  EXPECT_TRUE(HasLine(out, p + R"(0.0005"} 2)"));  // le is inclusive
  EXPECT_TRUE(HasLine(out, p + R"(0.001"} 2)"));
  EXPECT_TRUE(HasLine(out, p + R"(0.005"} 3)"));
  EXPECT_TRUE(HasLine(out, p + R"(0.01"} 3)"));
  EXPECT_TRUE(HasLine(out, p + R"(0.05"} 4)"));
  EXPECT_TRUE(HasLine(out, p + R"(0.5"} 4)"));
  EXPECT_TRUE(HasLine(out, p + R"(1"} 5)"));
  EXPECT_TRUE(HasLine(out, p + R"(+Inf"} 6)"));
  EXPECT_TRUE(HasLine(out, R"(kbs_http_request_duration_seconds_count{route="resource"} 6)"));
  EXPECT_NEAR(Value(out, R"(kbs_http_request_duration_seconds_sum{route="resource"} )"), 3.7236,
              1e-9);
}

TEST(MetricsTest, CountsAttestations) {
  Metrics m;
  m.ObserveAttestation("snp", "success");
  m.ObserveAttestation("snp", "success");
  m.ObserveAttestation("tdx", "failure");
  const std::string out = m.Render();
  EXPECT_TRUE(HasLine(out, "# TYPE kbs_attestations_total counter"));
  EXPECT_TRUE(HasLine(out, R"(kbs_attestations_total{tee="snp",outcome="success"} 2)"));
  EXPECT_TRUE(HasLine(out, R"(kbs_attestations_total{tee="tdx",outcome="failure"} 1)"));
}

TEST(MetricsTest, EscapesLabelValues) {
  Metrics m;
  m.ObserveAttestation("a\"b\\c\nd", "failure");
  EXPECT_TRUE(
      HasLine(m.Render(), R"(kbs_attestations_total{tee="a\"b\\c\nd",outcome="failure"} 1)"));
}

TEST(MetricsTest, BadDurationsCountAsZero) {
  Metrics m;
  m.ObserveRequest("other", 500, -1.0);
  m.ObserveRequest("other", 500, std::nan(""));
  const std::string out = m.Render();
  EXPECT_TRUE(
      HasLine(out, R"(kbs_http_request_duration_seconds_bucket{route="other",le="0.0005"} 2)"));
  EXPECT_TRUE(HasLine(out, R"(kbs_http_request_duration_seconds_sum{route="other"} 0)"));
}

// Consumes a metric or label name ([a-zA-Z_:][a-zA-Z0-9_:]*) from the front of `s`.
bool ConsumeName(std::string_view& s) {
  auto first = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  };
  if (s.empty() || !first(s[0])) return false;
  size_t i = 1;
  while (i < s.size() && (first(s[i]) || std::isdigit(static_cast<unsigned char>(s[i])))) ++i;
  s.remove_prefix(i);
  return true;
}

// Consumes `"value"` with only \\, \" and \n escapes.
bool ConsumeQuoted(std::string_view& s) {
  if (s.empty() || s[0] != '"') return false;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\n') return false;
    if (s[i] == '\\') {
      if (++i >= s.size() || (s[i] != '\\' && s[i] != '"' && s[i] != 'n')) return false;
    } else if (s[i] == '"') {
      s.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

// `name{label="value",…} number` per the text exposition format (no timestamps here).
bool IsSampleLine(std::string_view s) {
  if (!ConsumeName(s)) return false;
  if (!s.empty() && s[0] == '{') {
    do {
      s.remove_prefix(1);
      if (!ConsumeName(s) || s.empty() || s[0] != '=') return false;
      s.remove_prefix(1);
      if (!ConsumeQuoted(s)) return false;
    } while (!s.empty() && s[0] == ',');
    if (s.empty() || s[0] != '}') return false;
    s.remove_prefix(1);
  }
  if (s.size() < 2 || s[0] != ' ') return false;
  const std::string number(s.substr(1));
  char* end = nullptr;
  std::strtod(number.c_str(), &end);
  return end == number.c_str() + number.size();
}

bool IsCommentLine(std::string_view s) {
  if (!s.starts_with("# HELP ") && !s.starts_with("# TYPE ")) return false;
  s.remove_prefix(7);
  return ConsumeName(s) && s.size() > 1 && s[0] == ' ';
}

TEST(MetricsTest, LineCheckerRejectsBadLines) {
  EXPECT_TRUE(IsSampleLine(R"(a_b{x="1\"2",y="\n"} 3.5e-05)"));
  EXPECT_FALSE(IsSampleLine(R"(a_b{x="1"2"} 3)"));
  EXPECT_FALSE(IsSampleLine(R"(a_b{x="1\q"} 3)"));
  EXPECT_FALSE(IsSampleLine(R"(a_b{x="1"} three)"));
  EXPECT_FALSE(IsSampleLine(R"(1ab 3)"));
}

// Every line is a comment (# HELP / # TYPE) or a sample.
TEST(MetricsTest, EveryLineParses) {
  Metrics m;
  m.ObserveRequest("auth", 200, 0.01);
  m.ObserveRequest("weird\"route\n", 404, 0.00001);
  m.ObserveAttestation("sample", "success");
  const auto lines = Lines(m.Render());
  ASSERT_EQ(lines.size(), 3u * 2 + 2 + 8 * 2 + 4 + 1);
  for (const std::string& line : lines) {
    EXPECT_TRUE(IsCommentLine(line) || IsSampleLine(line)) << line;
  }
}

TEST(MetricsTest, ConcurrentObservationsAreAllCounted) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 1000; ++i) m.ObserveRequest("resource", 200, 0.001);
    });
  }
  for (auto& t : threads) t.join();
  const std::string out = m.Render();
  EXPECT_TRUE(HasLine(out, R"(kbs_http_requests_total{route="resource",status="200"} 4000)"));
  EXPECT_TRUE(HasLine(out, R"(kbs_http_request_duration_seconds_count{route="resource"} 4000)"));
}

}  // namespace
}  // namespace cocoon::kbs
