// Module dependency resolution from .modinfo. ELF64 layout: the System V gABI, "ELF Header" and
// "Sections" (e_shoff at 0x28, e_shentsize/e_shnum/e_shstrndx at 0x3A/0x3C/0x3E; Elf64_Shdr).
#include "runtime/kernel_modules.h"

#include "base/byte_reader.h"

namespace cocoon::runtime {
namespace {

using base::ByteReader;

struct Section {
  uint32_t name = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

ByteSpan Span(std::string_view s) { return AsBytes(s); }

Result<ByteSpan> Slice(std::string_view file, uint64_t offset, uint64_t size,
                       std::string_view what) {
  if (offset > file.size() || size > file.size() - offset) {
    return InvalidArgument(std::string(what) + ": section outside the file");
  }
  return Span(file).subspan(offset, size);
}

Result<Section> ReadSection(std::string_view file, uint64_t shoff, uint16_t entsize, uint16_t i,
                            std::string_view what) {
  ASSIGN_OR_RETURN(ByteSpan hdr, Slice(file, shoff + uint64_t{i} * entsize, 64, what));
  ByteReader r(hdr);
  Section s;
  ASSIGN_OR_RETURN(s.name, r.U32Le("sh_name"));
  TRY(r.Skip(4 + 8 + 8, "sh_type/sh_flags/sh_addr"));
  ASSIGN_OR_RETURN(s.offset, r.U64Le("sh_offset"));
  ASSIGN_OR_RETURN(s.size, r.U64Le("sh_size"));
  return s;
}

std::string_view NameAt(ByteSpan strtab, uint32_t off) {
  if (off >= strtab.size()) return {};
  std::string_view s = AsString(strtab.subspan(off));
  return s.substr(0, s.find('\0'));
}

}  // namespace

std::vector<std::string> DefaultGuestModules() {
  return {"virtio_mmio", "virtio_pci", "virtio_console",
          "virtio_net",  "virtio_blk", "9pnet_virtio",
          "9p",          "overlay",    "vmw_vsock_virtio_transport",
          "sev-guest",   "tpm_tis",    "tpm_crb",
          "qemu_fw_cfg"};  // initdata from QEMU (podproto::kInitDataFwCfgName)
}

std::string ModuleNameFromPath(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  size_t dot = path.find(".ko");
  if (dot != std::string_view::npos) path = path.substr(0, dot);
  std::string name(path);
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

Result<std::vector<std::string>> ReadModinfo(std::string_view ko, std::string_view what) {
  ByteReader r(Span(ko));
  ASSIGN_OR_RETURN(ByteSpan ident, r.Take(16, "e_ident"));
  if (ident[0] != 0x7f || ident[1] != 'E' || ident[2] != 'L' || ident[3] != 'F' || ident[4] != 2 ||
      ident[5] != 1) {
    return InvalidArgument(std::string(what) + ": not an ELF64 little-endian file");
  }
  TRY(r.Skip(0x28 - 16, "e_type..e_phoff"));
  ASSIGN_OR_RETURN(uint64_t shoff, r.U64Le("e_shoff"));
  TRY(r.Skip(0x3A - 0x30, "e_flags..e_phnum"));
  ASSIGN_OR_RETURN(uint16_t entsize, r.U16Le("e_shentsize"));
  ASSIGN_OR_RETURN(uint16_t shnum, r.U16Le("e_shnum"));
  ASSIGN_OR_RETURN(uint16_t shstrndx, r.U16Le("e_shstrndx"));
  if (entsize < 64 || shstrndx >= shnum) {
    return InvalidArgument(std::string(what) + ": bad section header table");
  }
  ASSIGN_OR_RETURN(Section strsec, ReadSection(ko, shoff, entsize, shstrndx, what));
  ASSIGN_OR_RETURN(ByteSpan strtab, Slice(ko, strsec.offset, strsec.size, what));
  for (uint16_t i = 0; i < shnum; ++i) {
    ASSIGN_OR_RETURN(Section s, ReadSection(ko, shoff, entsize, i, what));
    if (NameAt(strtab, s.name) != ".modinfo") continue;
    ASSIGN_OR_RETURN(ByteSpan body, Slice(ko, s.offset, s.size, what));
    std::vector<std::string> out;
    std::string_view text = AsString(body);
    for (size_t pos = 0; pos < text.size();) {
      size_t end = text.find('\0', pos);
      if (end == std::string_view::npos) end = text.size();
      if (end > pos) out.emplace_back(text.substr(pos, end - pos));
      pos = end + 1;
    }
    return out;
  }
  return InvalidArgument(std::string(what) + ": no .modinfo section");
}

Result<std::vector<std::string>> ModuleDepends(std::string_view ko, std::string_view what) {
  ASSIGN_OR_RETURN(std::vector<std::string> info, ReadModinfo(ko, what));
  std::vector<std::string> deps;
  for (const std::string& kv : info) {
    if (!kv.starts_with("depends=")) continue;
    std::string_view list = std::string_view(kv).substr(8);
    for (size_t pos = 0; pos < list.size();) {
      size_t end = list.find(',', pos);
      if (end == std::string_view::npos) end = list.size();
      if (end > pos) deps.push_back(ModuleNameFromPath(list.substr(pos, end - pos)));
      pos = end + 1;
    }
  }
  return deps;
}

std::set<std::string> ParseModulesBuiltin(std::string_view text) {
  std::set<std::string> out;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    if (end > pos) out.insert(ModuleNameFromPath(text.substr(pos, end - pos)));
    pos = end + 1;
  }
  return out;
}

Result<std::vector<std::string>> ResolveLoadOrder(
    const std::vector<std::string>& wanted,
    const std::map<std::string, std::vector<std::string>>& depends,
    const std::set<std::string>& builtin) {
  std::vector<std::string> order;
  std::map<std::string, bool> state;  // false: being visited, true: done
  // Iterative depth-first search; each frame is (module, index of the next dependency).
  for (const std::string& root : wanted) {
    std::vector<std::pair<std::string, size_t>> stack = {{ModuleNameFromPath(root), 0}};
    std::string parent = "requested";
    while (!stack.empty()) {
      auto& [name, next] = stack.back();
      if (next == 0) {
        auto st = state.find(name);
        if (st != state.end() && st->second) {
          stack.pop_back();
          continue;
        }
        if (st != state.end()) return FailedPrecondition("module dependency cycle at " + name);
        if (builtin.contains(name)) {
          state[name] = true;
          stack.pop_back();
          continue;
        }
        if (!depends.contains(name)) {
          std::string by = stack.size() > 1 ? stack[stack.size() - 2].first : parent;
          return NotFound("kernel module " + name + " (needed by " + by + ") not found");
        }
        state[name] = false;
      }
      const std::vector<std::string>& deps = depends.at(name);
      if (next < deps.size()) {
        std::string dep = deps[next++];
        stack.emplace_back(std::move(dep), 0);
        continue;
      }
      state[name] = true;
      order.push_back(name);
      stack.pop_back();
    }
  }
  return order;
}

}  // namespace cocoon::runtime
