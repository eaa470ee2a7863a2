// RunDemo (see demo.h): the workload owner's steps, then the pod.
#include "runtime/demo.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "base/encoding.h"
#include "base/file.h"
#include "base/json.h"
#include "base/subprocess.h"
#include "image/sample_image.h"
#include "runtime/demo_env.h"
#include "runtime/pod_command.h"

namespace cocoon::runtime {
namespace {

// Runs the cocoon CLI with `args` (what a user would type), echoing the command.
Status Cocoon(const std::string& binary, std::vector<std::string> args) {
  std::string shown = "cocoon";
  for (const auto& a : args) shown += " " + a;
  std::fprintf(stderr, "      $ %s\n", shown.c_str());
  args.insert(args.begin(), binary);
  ASSIGN_OR_RETURN(auto r, base::RunCommand(args));
  if (r.exit_code != 0) {
    return Internal("`" + shown + "` failed (exit " + std::to_string(r.exit_code) + "): " + r.err);
  }
  return Ok();
}

// The containers-policy.json the guest enforces: only `repo`, signed by the demo's cosign key.
Status WritePolicy(const DemoEnv& env, const std::string& repo) {
  ASSIGN_OR_RETURN(std::string pub, base::ReadFile(env.File("cosign.pub"), "cosign.pub"));
  Json policy = {{"default", {{{"type", "reject"}}}},
                 {"transports",
                  {{"docker",
                    {{repo,
                      {{{"type", "sigstoreSigned"},
                        {"keyData", base::Base64Encode(AsBytes(pub))},
                        {"signedIdentity", {{"type", "matchRepository"}}}}}}}}}}};
  return WriteDemoFile(env.File("policy.json"), policy.dump(2) + "\n");
}

// The workload owner: the sample image encrypted (its key stored in the KBS) and signed, the
// signature policy, and the sample TEE's reference values in the KBS.
Status PrepareImage(const DemoOptions& o, const DemoEnv& env, const std::string& repo,
                    const std::string& image) {
  const std::string kid = "kbs:///default/image-key/demo";
  std::fprintf(stderr, "demo: the workload owner builds, encrypts and signs the sample image\n");
  ASSIGN_OR_RETURN(std::string layout, image::BuildSampleImage(env.File("sample"), "latest"));
  TRY(Cocoon(o.cocoon_binary,
             {"image", "encrypt", "--encryption-key", "provider:attestation-agent:" + kid, "--kbs",
              env.kbs_url(), "--admin-key", env.File("admin.key"), "--dest-tls-verify=false",
              layout, "docker://" + image}));
  TRY(Cocoon(o.cocoon_binary, {"image", "sign", "--key", env.File("cosign.key"),
                               "--tls-verify=false", "docker://" + image}));
  TRY(WritePolicy(env, repo));
  std::fprintf(stderr, "demo: the owner registers the sample TEE's reference values\n");
  for (auto [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"launch_digest", R"(["abcde"])"},
                                                        {"svn", R"(["1"])"},
                                                        {"major_version", "1"},
                                                        {"minimum_minor_version", "0"}}) {
    TRY(Cocoon(o.cocoon_binary, {"kbs", "set-reference-value", name, value, "--url", env.kbs_url(),
                                 "--admin-key", env.File("admin.key")}));
  }
  return Ok();
}

}  // namespace

int RunDemo(const DemoOptions& o) {
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "demo FAILED: %s\n", e.message().c_str());
    return 1;
  };
  DemoEnv env({.kbs_binary = o.kbs_binary, .keep = o.keep});
  if (auto st = env.Start(); !st) return fail(st.error());
  std::string repo = env.registry() + "/cocoon-demo";
  std::string image = repo + ":encrypted";
  if (auto st = PrepareImage(o, env, repo, image); !st) return fail(st.error());

  std::fprintf(stderr, "demo: the pod VM runs it (sample TEE; the four steps follow)\n");
  std::fprintf(stderr, "      $ cocoon run --kbs %s --policy %s %s\n", env.kbs_url().c_str(),
               env.File("policy.json").c_str(), image.c_str());
  PodCommandOptions run;
  run.run.kbs = env.kbs_url();
  run.run.policy = env.File("policy.json");
  run.run.guest = o.guest;
  run.run.accel = o.accel;
  run.run.image_and_args = {image};
  run.agent_binary = o.agent_binary;
  run.timings = o.timings;
  int code = RunPodCommand(run);
  if (code != 0) {
    std::fprintf(stderr, "demo FAILED: cocoon run exited with %d (logs in %s)\n", code,
                 env.dir().c_str());
    return 1;
  }
  std::fprintf(stderr, "demo OK: cleaning up (KBS, registry, %s)\n",
               o.keep ? "work directory kept" : "work directory");
  return 0;
}

}  // namespace cocoon::runtime
