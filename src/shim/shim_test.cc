// Unit tests of the shim's pure parts: flags, socket addresses, bundle specs, initdata
// annotations, config, and the wire bytes containerd 1.6 accepted (specs: E1, E5).
#include <google/protobuf/any.pb.h>
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "containerd/events.pb.h"
#include "containerd/shim.pb.h"
#include "initdata/annotation.h"
#include "shim/address.h"
#include "shim/args.h"
#include "shim/bundle.h"
#include "shim/pod_boot.h"
#include "shim/pod_network.h"
#include "shim/shim_config.h"

namespace cocoon::shim {
namespace {

std::string Hex(const std::string& bytes) { return base::HexEncode(AsBytes(bytes)); }

using initdata::Gzip;

TEST(ShimArgs, ParsesContainerdsStartInvocation) {
  auto a =
      ParseShimArgs({"shim", "-namespace", "k8s.io", "-address", "/run/containerd/containerd.sock",
                     "-publish-binary", "/usr/bin/containerd", "-id", "abc", "-debug", "start"});
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->ns, "k8s.io");
  EXPECT_EQ(a->address, "/run/containerd/containerd.sock");
  EXPECT_EQ(a->publish_binary, "/usr/bin/containerd");
  EXPECT_EQ(a->id, "abc");
  EXPECT_TRUE(a->debug);
  EXPECT_EQ(a->action, Action::kStart);
}

TEST(ShimArgs, ParsesDeleteWithBundleAndGoStyleFlags) {
  auto a = ParseShimArgs({"shim", "--namespace=default", "-id=t1", "-bundle", "/b", "delete"});
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->ns, "default");
  EXPECT_EQ(a->id, "t1");
  EXPECT_EQ(a->bundle, "/b");
  EXPECT_EQ(a->action, Action::kDelete);
}

TEST(ShimArgs, NoActionIsTheDaemonAndItsArgvRoundTrips) {
  ShimArgs a;
  a.ns = "n";
  a.address = "/a.sock";
  a.publish_binary = "/p";
  a.id = "i";
  a.debug = true;
  auto argv = DaemonArgv("/bin/shim", a);
  auto back = ParseShimArgs(argv);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->action, Action::kServe);
  EXPECT_EQ(back->ns, "n");
  EXPECT_EQ(back->address, "/a.sock");
  EXPECT_EQ(back->publish_binary, "/p");
  EXPECT_EQ(back->id, "i");
  EXPECT_TRUE(back->debug);
}

TEST(ShimArgs, ErrorsNameTheProblem) {
  auto unknown = ParseShimArgs({"shim", "-namespace", "n", "-id", "i", "-frobnicate", "x"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("-frobnicate"), std::string::npos);
  auto missing = ParseShimArgs({"shim", "-namespace", "n", "start"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("-id"), std::string::npos);
  auto dangling = ParseShimArgs({"shim", "-id", "i", "-namespace"});
  ASSERT_FALSE(dangling);
  EXPECT_NE(dangling.error().message().find("needs a value"), std::string::npos);
  auto action = ParseShimArgs({"shim", "-id", "i", "-namespace", "n", "stop"});
  ASSERT_FALSE(action);
  EXPECT_NE(action.error().message().find("'stop'"), std::string::npos);
  auto version = ParseShimArgs({"shim", "-v"});
  ASSERT_TRUE(version);
  EXPECT_EQ(version->action, Action::kVersion);
}

TEST(ShimAddress, CleanPathFollowsGo) {
  EXPECT_EQ(CleanPath("/a//b/./c/"), "/a/b/c");
  EXPECT_EQ(CleanPath("/a/b/../c"), "/a/c");
  EXPECT_EQ(CleanPath("/../x"), "/x");
  EXPECT_EQ(CleanPath("a/../../b"), "../b");
  EXPECT_EQ(CleanPath(""), ".");
}

TEST(ShimAddress, MatchesContainerdsSocketAddress) {
  // containerd 1.6 E1: sha256("/tmp/ctdx/containerd.sock/default/t1") begins 5402711aed41.
  std::string a = SocketAddress("/run/containerd/s", "/tmp/ctdx/containerd.sock", "default", "t1");
  EXPECT_TRUE(a.starts_with("unix:///run/containerd/s/5402711aed41")) << a;
  EXPECT_EQ(a.size(), std::string("unix:///run/containerd/s/").size() + 64);
  EXPECT_EQ(SocketPath(a), a.substr(7));
  // One pod, one address; another pod or namespace, another address.
  EXPECT_EQ(a, SocketAddress("/run/containerd/s/", "/tmp/ctdx//containerd.sock", "default", "t1"));
  EXPECT_NE(a, SocketAddress("/run/containerd/s", "/tmp/ctdx/containerd.sock", "k8s.io", "t1"));
}

constexpr std::string_view kSandboxConfig = R"({
  "ociVersion": "1.0.2", "process": {"args": ["/pause"], "env": ["PATH=/bin"], "cwd": "/"},
  "hostname": "pod-a",
  "annotations": {"io.kubernetes.cri.container-type": "sandbox",
                  "io.kubernetes.cri.sandbox-id": "sb1"}})";

TEST(ShimBundle, SandboxIsItsOwnGroup) {
  auto s = ParseBundleSpec(kSandboxConfig, "sb1");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->kind, TaskKind::kSandbox);
  EXPECT_EQ(s->group, "sb1");
  EXPECT_EQ(s->hostname, "pod-a");
  EXPECT_TRUE(s->image.empty());
}

TEST(ShimBundle, PodContainerJoinsItsSandboxAndNamesItsImage) {
  auto s = ParseBundleSpec(R"({"process": {"args": ["sh", "-c", "echo hi"], "env": ["A=1"],
      "cwd": "/work"}, "annotations": {"io.kubernetes.cri.container-type": "container",
      "io.kubernetes.cri.sandbox-id": "sb1",
      "io.kubernetes.cri.image-name": "127.0.0.1:5000/app:1"}})",
                           "c1");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->kind, TaskKind::kPodContainer);
  EXPECT_EQ(s->group, "sb1");
  EXPECT_EQ(s->image, "127.0.0.1:5000/app:1");
  EXPECT_EQ(s->args, (std::vector<std::string>{"sh", "-c", "echo hi"}));
  EXPECT_EQ(s->env, (std::vector<std::string>{"A=1"}));
  EXPECT_EQ(s->cwd, "/work");
}

TEST(ShimBundle, CtrRunTaskIsSingleAndNeedsAnImage) {
  auto s = ParseBundleSpec(
      R"({"process": {"args": ["true"]}, "annotations": {"io.cocoon.image": "r/i:1"}})", "t1");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->kind, TaskKind::kSingle);
  EXPECT_EQ(s->group, "t1");
  EXPECT_EQ(s->image, "r/i:1");
  auto none = ParseBundleSpec(R"({"process": {"args": ["true"]}})", "t1");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("io.cocoon.image"), std::string::npos);
}

TEST(ShimBundle, MalformedSpecsNameTheField) {
  auto bad_type =
      ParseBundleSpec(R"({"annotations": {"io.kubernetes.cri.container-type": "vm"}})", "x");
  ASSERT_FALSE(bad_type);
  EXPECT_NE(bad_type.error().message().find("'vm'"), std::string::npos);
  auto no_sandbox = ParseBundleSpec(
      R"({"annotations": {"io.kubernetes.cri.container-type": "container",
          "io.kubernetes.cri.image-name": "i"}})",
      "x");
  ASSERT_FALSE(no_sandbox);
  EXPECT_NE(no_sandbox.error().message().find("sandbox-id"), std::string::npos);
  auto args = ParseBundleSpec(R"({"process": {"args": "sh"}})", "x");
  ASSERT_FALSE(args);
  EXPECT_NE(args.error().message().find("process.args"), std::string::npos);
  EXPECT_FALSE(ParseBundleSpec("[", "x"));
  EXPECT_FALSE(ParseBundleSpec(R"({"annotations": {"a": 1}})", "x"));
}

TEST(ShimInitData, ReadsCoCosGzipAnnotationAndCocoonsPlainOne) {
  std::string toml = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n";
  auto kata = InitDataFromAnnotations(
      {{std::string(kKataInitDataAnnotation), base::Base64Encode(Gzip(toml))}});
  ASSERT_TRUE(kata) << kata.error().message();
  EXPECT_EQ(*kata, toml);
  auto cocoon =
      InitDataFromAnnotations({{std::string(kCocoonInitDataAnnotation), base::Base64Encode(toml)}});
  ASSERT_TRUE(cocoon) << cocoon.error().message();
  EXPECT_EQ(*cocoon, toml);
  auto none = InitDataFromAnnotations({{"other", "x"}});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(ShimInitData, RefusesWhatIsNotInitData) {
  auto not_b64 = InitDataFromAnnotations({{std::string(kKataInitDataAnnotation), "***"}});
  ASSERT_FALSE(not_b64);
  EXPECT_NE(not_b64.error().message().find("cc_init_data"), std::string::npos);
  auto not_gzip = InitDataFromAnnotations(
      {{std::string(kKataInitDataAnnotation), base::Base64Encode(std::string("plain"))}});
  ASSERT_FALSE(not_gzip);
  EXPECT_NE(not_gzip.error().message().find("gzip"), std::string::npos);
  // A gzip bomb stops at the limit.
  std::string bomb = Gzip(std::string(kMaxInitDataBytes + 1, 'a'));
  auto big =
      InitDataFromAnnotations({{std::string(kKataInitDataAnnotation), base::Base64Encode(bomb)}});
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message().find("more than"), std::string::npos) << big.error().message();
  std::string truncated = Gzip("version = 1\n");
  truncated.resize(truncated.size() - 6);
  EXPECT_FALSE(initdata::Gunzip(truncated, 1024));
  EXPECT_EQ(*initdata::DecodeAnnotation(initdata::EncodeAnnotation("a = 1\n")), "a = 1\n");
}

TEST(ShimConfig, DefaultsAndEveryKey) {
  auto empty = ParseShimConfig("", "test.toml");
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_EQ(empty->memory_mib, 1024u);
  EXPECT_EQ(empty->socket_dir, "/run/containerd/s");
  auto full = ParseShimConfig(R"(
[guest]
dir = "/opt/cocoon/guest"
[vm]
memory_mib = 2048
vcpus = 2
accel = "tcg"
tee = "sev-snp"
firmware = "/usr/share/ovmf/AMDSEV.fd"
[pod]
initdata = "/etc/cocoon/initdata.toml"
create_timeout_seconds = 60
[shim]
socket_dir = "/run/cocoon/sock"
)",
                              "test.toml");
  ASSERT_TRUE(full) << full.error().message();
  EXPECT_EQ(full->guest_dir, "/opt/cocoon/guest");
  EXPECT_EQ(full->memory_mib, 2048u);
  EXPECT_EQ(full->vcpus, 2u);
  EXPECT_EQ(full->accel, runtime::Accel::kTcg);
  EXPECT_EQ(full->tee, runtime::Tee::kSevSnp);
  EXPECT_EQ(full->initdata, "/etc/cocoon/initdata.toml");
  EXPECT_EQ(full->create_timeout, std::chrono::seconds(60));
  EXPECT_EQ(full->socket_dir, "/run/cocoon/sock");
}

TEST(ShimConfig, ErrorsNameTheKey) {
  auto unknown = ParseShimConfig("[vm]\nmemory = 5\n", "c.toml");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("memory"), std::string::npos);
  auto range = ParseShimConfig("[vm]\nvcpus = 0\n", "c.toml");
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().message().find("vcpus"), std::string::npos);
  auto tee = ParseShimConfig("[vm]\ntee = \"sgx\"\n", "c.toml");
  ASSERT_FALSE(tee);
  EXPECT_NE(tee.error().message().find("tee"), std::string::npos);
  auto relative = ParseShimConfig("[shim]\nsocket_dir = \"s\"\n", "c.toml");
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().message().find("socket_dir"), std::string::npos);
  auto syntax = ParseShimConfig("[vm\n", "c.toml");
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().message().find("c.toml"), std::string::npos);
}

TEST(ShimPodBoot, InitDataFromThePodOrTheConfigAndItsForwards) {
  BundleSpec spec;
  spec.kind = TaskKind::kSandbox;
  ShimConfig c;
  auto none = PodVmSpecFor(spec, c);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(none.error().message().find("[pod] initdata"), std::string::npos);
  std::string toml =
      "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"aa.toml\" = '''\n"
      "[token_configs.kbs]\nurl = \"http://10.0.2.100:8080\"\n'''\n";
  spec.annotations[std::string(kCocoonInitDataAnnotation)] = base::Base64Encode(toml);
  c.memory_mib = 768;
  auto s = PodVmSpecFor(spec, c);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->initdata, toml);
  EXPECT_EQ(s->memory_mib, 768u);
  ASSERT_EQ(s->services.size(), 1u);
  EXPECT_EQ(s->services[0].guest_port, 8080);
  EXPECT_EQ(s->services[0].host_port, 8080);
}

TEST(ShimWire, EventAndDeleteResponseBytesMatchWhatContainerdAccepted) {
  // containerd 1.6 E5: TaskExit{c1, c1, pid 42, status 137, exited_at 1700000000 s}.
  ::containerd::events::TaskExit exit;
  exit.set_container_id("c1");
  exit.set_id("c1");
  exit.set_pid(42);
  exit.set_exit_status(137);
  exit.mutable_exited_at()->set_seconds(1700000000);
  EXPECT_EQ(Hex(exit.SerializeAsString()), "0a02633112026331182a2089012a060880e2cfaa06");
  EXPECT_EQ(exit.GetTypeName(), "containerd.events.TaskExit");
  google::protobuf::Any any;
  any.set_type_url(exit.GetTypeName());
  any.set_value(exit.SerializeAsString());
  EXPECT_EQ(Hex(any.SerializeAsString()),
            "0a1a636f6e7461696e6572642e6576656e74732e5461736b4578697412150a02633112026331182a20"
            "89012a060880e2cfaa06");
  ::containerd::task::v2::DeleteResponse del;
  del.set_exit_status(137);
  del.mutable_exited_at()->set_seconds(1700000000);
  EXPECT_EQ(Hex(del.SerializeAsString()), "1089011a060880e2cfaa06");
}

// `ip -j` output as iproute2 6.1 prints it in a CNI bridge namespace (spec E6 values).
TEST(ShimPodNetwork, ReadsTheCniInterfaceAndItsGatewayRoute) {
  std::string addrs =
      R"([{"ifindex":1,"ifname":"lo","mtu":65536,"address":"00:00:00:00:00:00","addr_info":[)"
      R"({"family":"inet","local":"127.0.0.1","prefixlen":8}]},)"
      R"({"ifindex":3,"link_index":9,"ifname":"eth0","mtu":1500,"address":"56:b5:6a:ee:44:90",)"
      R"("addr_info":[{"family":"inet","local":"10.88.9.2","prefixlen":24},)"
      R"({"family":"inet6","local":"fe80::54b5:6aff:feee:4490","prefixlen":64}]}])";
  std::string routes =
      R"([{"dst":"default","gateway":"10.88.9.1","dev":"eth0","flags":[]},)"
      R"({"dst":"10.88.9.0/24","dev":"eth0","protocol":"kernel","scope":"link",)"
      R"("prefsrc":"10.88.9.2","flags":[]}])";
  std::string link;
  auto net = PodNetworkFromIp(addrs, routes, &link);
  ASSERT_TRUE(net) << net.error().message();
  EXPECT_EQ(link, "eth0");
  EXPECT_EQ(net->nic.hwaddr(), "56:b5:6a:ee:44:90");
  EXPECT_EQ(net->nic.mtu(), 1500u);
  EXPECT_EQ(net->nic.name(), kGuestPodLink);
  ASSERT_EQ(net->nic.ipaddresses_size(), 1);
  EXPECT_EQ(net->nic.ipaddresses(0).address(), "10.88.9.2");
  EXPECT_EQ(net->nic.ipaddresses(0).mask(), "24");
  ASSERT_EQ(net->routes.routes_size(), 1) << "the connected route comes with the address";
  EXPECT_EQ(net->routes.routes(0).dest(), "");
  EXPECT_EQ(net->routes.routes(0).gateway(), "10.88.9.1");
  EXPECT_EQ(net->routes.routes(0).device(), kGuestPodLink);
}

TEST(ShimPodNetwork, RefusesWhatItCannotUse) {
  std::string link;
  EXPECT_FALSE(PodNetworkFromIp("{}", "[]", &link));
  auto v6 = PodNetworkFromIp(
      R"([{"ifname":"eth0","address":"56:b5:6a:ee:44:90","addr_info":[{"family":"inet6","local":"fd00::2","prefixlen":64}]}])",
      "[]", &link);
  ASSERT_FALSE(v6);
  EXPECT_NE(v6.error().message().find("no IPv4 address"), std::string::npos);
  auto mac = PodNetworkFromIp(
      R"([{"ifname":"eth0","address":"56:b5,x","addr_info":[{"family":"inet","local":"10.0.0.2","prefixlen":24}]}])",
      "[]", &link);
  ASSERT_FALSE(mac);
  EXPECT_NE(mac.error().message().find("MAC"), std::string::npos);
}

TEST(ShimBundle, SandboxNamesItsNetworkNamespace) {
  auto spec = ParseBundleSpec(
      R"({"annotations":{"io.kubernetes.cri.container-type":"sandbox"},"linux":{"namespaces":[)"
      R"({"type":"pid"},{"type":"network","path":"/var/run/netns/cni-1234"}]}})",
      "sb");
  ASSERT_TRUE(spec) << spec.error().message();
  EXPECT_EQ(spec->netns, "/var/run/netns/cni-1234");
  auto relative = ParseBundleSpec(
      R"({"annotations":{"io.kubernetes.cri.container-type":"sandbox"},"linux":{"namespaces":[)"
      R"({"type":"network","path":"netns"}]}})",
      "sb");
  EXPECT_FALSE(relative);
}

}  // namespace
}  // namespace cocoon::shim
