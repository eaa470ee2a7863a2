#include "base/subprocess.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>

namespace cocoon::base {
namespace {

TEST(RunCommand, CapturesStdoutStderrAndExitCode) {
  auto r = RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(RunCommand, MergesStderrWhenAsked) {
  auto r = RunCommand({"sh", "-c", "echo a; echo b >&2"}, {.merge_stderr = true});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->out, "a\nb\n");
  EXPECT_TRUE(r->err.empty());
}

TEST(RunCommand, SignalIsReportedAs128PlusSignal) {
  auto r = RunCommand({"sh", "-c", "kill -TERM $$"});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->exit_code, 128 + 15);
}

TEST(RunCommand, MissingProgramIsNotFound) {
  auto r = RunCommand({"cocoon-no-such-program-xyz"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kNotFound);
  EXPECT_NE(r.error().message().find("cocoon-no-such-program-xyz"), std::string::npos);
}

TEST(RunCommand, EmptyArgvIsInvalid) {
  auto r = RunCommand({});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

TEST(RunCommand, OutputPastTheLimitFailsOrIsTruncated) {
  const std::vector<std::string> argv = {"sh", "-c", "head -c 100000 /dev/zero"};
  auto fail = RunCommand(argv, {.max_bytes = 1000});
  ASSERT_FALSE(fail.has_value());
  EXPECT_EQ(fail.error().code(), Code::kResourceExhausted);

  auto kept = RunCommand(argv, {.max_bytes = 1000, .truncate = true});
  ASSERT_TRUE(kept.has_value()) << kept.error().ToString();
  EXPECT_EQ(kept->out.size(), 1000u);
  EXPECT_EQ(kept->exit_code, 0);  // the rest was drained, so the writer finished
}

TEST(RunCommand, CallerSuppliedSpawnAndWaitAreUsed) {
  std::atomic<int> spawned{0}, waited{0};
  CommandOptions o;
  o.spawn = [&](const std::vector<std::string>& argv, int out_fd, int err_fd) {
    ++spawned;
    return SpawnWithStdio(argv, -1, out_fd, err_fd);
  };
  o.wait = [&](pid_t pid) -> Result<int> {
    ++waited;
    int status = 0;
    if (::waitpid(pid, &status, 0) < 0) return Internal("waitpid");
    return ExitCodeOf(status);
  };
  auto r = RunCommand({"true"}, o);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(spawned.load(), 1);
  EXPECT_EQ(waited.load(), 1);
}

}  // namespace
}  // namespace cocoon::base
