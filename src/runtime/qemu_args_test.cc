// QemuArgs against expected argv lists: plain TCG and KVM VMs, SEV-SNP host-data and TDX
// mrconfigid binding of initdata (digests computed independently with openssl), guestfwd, vTPM.
#include "runtime/qemu_args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cocoon::runtime {
namespace {

using Argv = std::vector<std::string>;

// openssl dgst outputs (base64) for these exact bytes.
constexpr char kInitData256[] =
    "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"aa.toml\" = \"x\"\n";
constexpr char kInitData384[] =
    "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n\"aa.toml\" = \"x\"\n";
constexpr char kSha256B64[] = "BAypybNLljx1m2CFUAR9YTJl+gVvsYLhsCC/ebwPapU=";
constexpr char kSha256Padded48B64[] =
    "BAypybNLljx1m2CFUAR9YTJl+gVvsYLhsCC/ebwPapUAAAAAAAAAAAAAAAAAAAAA";
constexpr char kSha384B64[] = "yr6JZdsTqFFm8fyOyvydhdwxqXGCQufoD8qw93RXrZGfJPsoQsLu7rbKT/kGoiFk";
constexpr char kSha384First32B64[] = "yr6JZdsTqFFm8fyOyvydhdwxqXGCQufoD8qw93RXrZE=";

HostCaps Caps(bool kvm) {
  HostCaps caps;
  caps.kvm_usable = kvm;
  caps.kvm_reason = kvm ? "/dev/kvm: KVM API 12, svm" : "/dev/kvm is PVM";
  caps.tsc_khz = 2299998;
  caps.sev_cbitpos = 51;
  caps.qemu_binary = "/usr/bin/qemu-system-x86_64";
  return caps;
}

VmConfig Plain() {
  VmConfig c;
  c.kernel = "/k/vmlinux";
  c.initrd = "/k/initrd.cpio";
  c.run_dir = "/run/vm";
  return c;
}

// The argv tail every VM shares, after -append, for microvm (pci=false) or q35.
Argv Devices(bool pci, const std::string& netdev = "user,id=n0,restrict=on") {
  return {"-chardev", "file,id=console,path=/run/vm/console.log",
          "-serial",  "chardev:console",
          "-device",  pci ? "virtio-serial-pci" : "virtio-serial-device",
          "-chardev", "socket,id=agent,path=/run/vm/agent.sock,server=on,wait=off",
          "-device",  "virtserialport,chardev=agent,name=io.cocoon.agent",
          "-netdev",  netdev,
          "-device",  std::string(pci ? "virtio-net-pci" : "virtio-net-device") + ",netdev=n0"};
}
Argv Monitor() {
  return {"-qmp", "unix:/run/vm/qmp.sock,server=on,wait=off", "-pidfile", "/run/vm/qemu.pid"};
}
Argv Concat(std::initializer_list<Argv> parts) {
  Argv out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

constexpr char kPlainCmdline[] =
    "console=ttyS0 panic=-1 quiet mitigations=off nokaslr cryptomgr.notests";

TEST(QemuArgs, PlainTcgMicrovm) {
  auto argv = QemuArgs(Plain(), Caps(false));
  ASSERT_TRUE(argv) << argv.error().ToString();
  Argv expected =
      Concat({{"/usr/bin/qemu-system-x86_64", "-name", "cocoon", "-machine", "microvm,accel=tcg",
               "-m", "256", "-smp", "1", "-nographic", "-nodefaults", "-no-user-config",
               "-no-reboot", "-kernel", "/k/vmlinux", "-initrd", "/k/initrd.cpio", "-append",
               std::string(kPlainCmdline) + " tsc_early_khz=2299998"},
              Devices(false),
              Monitor()});
  EXPECT_EQ(*argv, expected);
}

TEST(QemuArgs, PlainKvmWhenUsable) {
  VmConfig c = Plain();
  c.cmdline = "cocoon.debug=1";
  c.vcpus = 2;
  c.memory_mib = 512;
  c.extra_args = {"-cpu", "host,-cx16"};
  auto argv = QemuArgs(c, Caps(true));
  ASSERT_TRUE(argv) << argv.error().ToString();
  Argv expected = Concat({{"/usr/bin/qemu-system-x86_64",
                           "-name",
                           "cocoon",
                           "-machine",
                           "microvm,accel=kvm",
                           "-cpu",
                           "host",
                           "-m",
                           "512",
                           "-smp",
                           "2",
                           "-nographic",
                           "-nodefaults",
                           "-no-user-config",
                           "-no-reboot",
                           "-kernel",
                           "/k/vmlinux",
                           "-initrd",
                           "/k/initrd.cpio",
                           "-append",
                           std::string(kPlainCmdline) + " cocoon.debug=1"},
                          Devices(false),
                          Monitor(),
                          {"-cpu", "host,-cx16"}});
  EXPECT_EQ(*argv, expected);
}

TEST(QemuArgs, AccelOverrideAndQ35) {
  VmConfig c = Plain();
  c.accel = Accel::kTcg;
  c.machine = Machine::kQ35;
  auto argv = QemuArgs(c, Caps(true));
  ASSERT_TRUE(argv) << argv.error().ToString();
  EXPECT_EQ((*argv)[4], "q35,accel=tcg");
  Argv tail(argv->end() - 18, argv->end() - 4);
  EXPECT_EQ(tail, Devices(true));
}

TEST(QemuArgs, GuestfwdPerServiceAndInitDataFwCfg) {
  VmConfig c = Plain();
  c.services = {{8080, 41000}, {5000, 41001}, {20001, 5000, "registry.example"}};
  c.initdata = kInitData256;
  auto argv = QemuArgs(c, Caps(false));
  ASSERT_TRUE(argv) << argv.error().ToString();
  std::string netdev =
      "user,id=n0,restrict=on,"
      "guestfwd=tcp:10.0.2.100:8080-cmd:socat - TCP:127.0.0.1:41000,"
      "guestfwd=tcp:10.0.2.100:5000-cmd:socat - TCP:127.0.0.1:41001,"
      "guestfwd=tcp:10.0.2.100:20001-cmd:socat - TCP:registry.example:5000";
  Argv expected =
      Concat({{"/usr/bin/qemu-system-x86_64", "-name", "cocoon", "-machine", "microvm,accel=tcg",
               "-m", "256", "-smp", "1", "-nographic", "-nodefaults", "-no-user-config",
               "-no-reboot", "-kernel", "/k/vmlinux", "-initrd", "/k/initrd.cpio", "-append",
               std::string(kPlainCmdline) + " tsc_early_khz=2299998"},
              Devices(false, netdev),
              {"-fw_cfg", "name=opt/io.cocoon/initdata,file=/run/vm/initdata.toml"},
              Monitor()});
  EXPECT_EQ(*argv, expected);
}

TEST(QemuArgs, VtpmMicrovmUsesTisWithForce) {
  VmConfig c = Plain();
  c.vtpm_socket = "/run/swtpm/ctrl.sock";
  auto argv = QemuArgs(c, Caps(false));
  ASSERT_TRUE(argv) << argv.error().ToString();
  EXPECT_EQ((*argv)[18], std::string(kPlainCmdline) +
                             " tsc_early_khz=2299998 tpm_tis.force=1 tpm_tis.interrupts=0");
  Argv tpm(argv->end() - 10, argv->end() - 4);
  EXPECT_EQ(tpm, (Argv{"-chardev", "socket,id=chrtpm,path=/run/swtpm/ctrl.sock", "-tpmdev",
                       "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-tis,tpmdev=tpm0"}));
}

TEST(QemuArgs, SevSnpBindsSha256InitDataInHostData) {
  VmConfig c = Plain();
  c.tee = Tee::kSevSnp;
  c.firmware = "/usr/share/ovmf/AMDSEV.fd";
  c.memory_mib = 2048;
  c.initdata = kInitData256;
  c.vtpm_socket = "/run/swtpm/ctrl.sock";
  auto argv = QemuArgs(c, Caps(true));
  ASSERT_TRUE(argv) << argv.error().ToString();
  Argv expected = Concat(
      {{"/usr/bin/qemu-system-x86_64",
        "-name",
        "cocoon",
        "-machine",
        "q35,accel=kvm,kernel_irqchip=split,confidential-guest-support=snp,memory-backend=ram0",
        "-cpu",
        "host",
        "-object",
        "memory-backend-memfd,id=ram0,size=2048M",
        "-object",
        std::string("sev-snp-guest,id=snp,cbitpos=51,reduced-phys-bits=1,kernel-hashes=on,"
                    "policy=196608,host-data=") +
            kSha256B64,
        "-bios",
        "/usr/share/ovmf/AMDSEV.fd",
        "-m",
        "2048",
        "-smp",
        "1",
        "-nographic",
        "-nodefaults",
        "-no-user-config",
        "-no-reboot",
        "-kernel",
        "/k/vmlinux",
        "-initrd",
        "/k/initrd.cpio",
        "-append",
        "console=ttyS0 panic=-1 quiet"},
       Devices(true),
       {"-fw_cfg", "name=opt/io.cocoon/initdata,file=/run/vm/initdata.toml"},
       {"-chardev", "socket,id=chrtpm,path=/run/swtpm/ctrl.sock", "-tpmdev",
        "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-crb,tpmdev=tpm0"},
       Monitor()});
  EXPECT_EQ(*argv, expected);
}

TEST(QemuArgs, SevSnpTruncatesSha384To32Bytes) {
  VmConfig c = Plain();
  c.tee = Tee::kSevSnp;
  c.firmware = "/fw/AMDSEV.fd";
  c.initdata = kInitData384;
  auto argv = QemuArgs(c, Caps(true));
  ASSERT_TRUE(argv) << argv.error().ToString();
  EXPECT_TRUE((*argv)[10].ends_with(std::string(",host-data=") + kSha384First32B64)) << (*argv)[10];
}

TEST(QemuArgs, TdxBindsSha384InitDataInMrConfigId) {
  VmConfig c = Plain();
  c.tee = Tee::kTdx;
  c.firmware = "/usr/share/ovmf/OVMF.inteltdx.fd";
  c.initdata = kInitData384;
  auto argv = QemuArgs(c, Caps(true));
  ASSERT_TRUE(argv) << argv.error().ToString();
  Argv head(argv->begin(), argv->begin() + 13);
  EXPECT_EQ(head,
            (Argv{"/usr/bin/qemu-system-x86_64", "-name", "cocoon", "-machine",
                  "q35,accel=kvm,kernel_irqchip=split,confidential-guest-support=tdx,"
                  "memory-backend=ram0",
                  "-cpu", "host", "-object", "memory-backend-memfd,id=ram0,size=256M", "-object",
                  std::string(R"({"qom-type":"tdx-guest","id":"tdx","mrconfigid":")") + kSha384B64 +
                      R"(","quote-generation-socket":{"type":"vsock","cid":"2","port":"4050"}})",
                  "-bios", "/usr/share/ovmf/OVMF.inteltdx.fd"}));
}

TEST(QemuArgs, TdxPadsSha256To48BytesAndUsesUnixQgs) {
  VmConfig c = Plain();
  c.tee = Tee::kTdx;
  c.firmware = "/fw/OVMF.inteltdx.fd";
  c.initdata = kInitData256;
  c.tdx_qgs_socket = "/run/qgs \"1\".sock";
  auto argv = QemuArgs(c, Caps(true));
  ASSERT_TRUE(argv) << argv.error().ToString();
  EXPECT_EQ((*argv)[10],
            std::string(R"({"qom-type":"tdx-guest","id":"tdx","mrconfigid":")") +
                kSha256Padded48B64 +
                R"(","quote-generation-socket":{"type":"unix","path":"/run/qgs \"1\".sock"}})");
}

TEST(QemuArgs, TeeWithoutInitDataHasNoDigest) {
  VmConfig c = Plain();
  c.tee = Tee::kSevSnp;
  c.firmware = "/fw/AMDSEV.fd";
  auto argv = QemuArgs(c, Caps(true));
  ASSERT_TRUE(argv) << argv.error().ToString();
  EXPECT_EQ((*argv)[10],
            "sev-snp-guest,id=snp,cbitpos=51,reduced-phys-bits=1,kernel-hashes=on,policy=196608");
}

TEST(QemuArgs, CommasInPathsAreDoubled) {
  VmConfig c = Plain();
  c.run_dir = "/run/a,b";
  auto argv = QemuArgs(c, Caps(false));
  ASSERT_TRUE(argv) << argv.error().ToString();
  EXPECT_EQ((*argv)[20], "file,id=console,path=/run/a,,b/console.log");
}

TEST(QemuArgs, Errors) {
  VmConfig c = Plain();
  HostCaps no_qemu = Caps(false);
  no_qemu.qemu_binary.clear();
  EXPECT_EQ(QemuArgs(c, no_qemu).error().code(), Code::kFailedPrecondition);

  VmConfig tee = Plain();
  tee.tee = Tee::kTdx;
  EXPECT_EQ(QemuArgs(tee, Caps(true)).error().code(), Code::kInvalidArgument);  // no firmware
  tee.firmware = "/fw/OVMF.inteltdx.fd";
  auto no_kvm = QemuArgs(tee, Caps(false));
  ASSERT_FALSE(no_kvm);
  EXPECT_EQ(no_kvm.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(no_kvm.error().message(), "tdx needs KVM: /dev/kvm is PVM");
  tee.accel = Accel::kTcg;
  EXPECT_EQ(QemuArgs(tee, Caps(true)).error().code(), Code::kInvalidArgument);
  tee.accel = Accel::kAuto;
  tee.machine = Machine::kMicrovm;
  EXPECT_EQ(QemuArgs(tee, Caps(true)).error().code(), Code::kInvalidArgument);

  VmConfig bad = Plain();
  bad.services = {{0, 80}};
  EXPECT_EQ(QemuArgs(bad, Caps(false)).error().code(), Code::kInvalidArgument);
  for (const char* host : {"a;reboot", "-x", "", "h,guestfwd=x", "[::1]", "a b"}) {
    bad.services = {{20001, 443, host}};
    auto args = QemuArgs(bad, Caps(false));
    ASSERT_FALSE(args) << host;
    EXPECT_EQ(args.error().message(), "VmConfig: forwarded host '" + std::string(host) +
                                          "' is not a DNS name or IPv4 address");
  }
  bad = Plain();
  bad.kernel.clear();
  EXPECT_EQ(QemuArgs(bad, Caps(false)).error().code(), Code::kInvalidArgument);
  bad = Plain();
  bad.run_dir = "/" + std::string(120, 'r');
  EXPECT_EQ(QemuArgs(bad, Caps(false)).error().code(), Code::kInvalidArgument);
  bad = Plain();
  bad.tee = Tee::kSevSnp;
  bad.firmware = "/fw";
  bad.initdata = "algorithm = \"md5\"\n";
  EXPECT_EQ(QemuArgs(bad, Caps(true)).error().code(), Code::kInvalidArgument);
}

TEST(InitDataBinding, FieldSizes) {
  auto snp = InitDataBinding(kInitData256, 32);
  ASSERT_TRUE(snp);
  EXPECT_EQ(snp->size(), 32u);
  auto tdx = InitDataBinding(kInitData256, 48);
  ASSERT_TRUE(tdx);
  ASSERT_EQ(tdx->size(), 48u);
  EXPECT_EQ(Bytes(tdx->begin(), tdx->begin() + 32), *snp);
  EXPECT_EQ(Bytes(tdx->begin() + 32, tdx->end()), Bytes(16, 0));
}

}  // namespace
}  // namespace cocoon::runtime
