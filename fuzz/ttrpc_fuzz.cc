// Fuzz target: ttrpc frames and the protobuf messages inside them (ttrpc Request/Response and
// the agent requests). The input is fed to the decoder in two chunks split by its first byte.
// Checks that decoded frames re-encode to the bytes they came from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "agent.pb.h"
#include "net/ttrpc.h"
#include "ttrpc.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cocoon::net::ttrpc;
  if (size == 0) return 0;
  size_t split = data[0] % size;
  FrameDecoder decoder(64 * 1024);
  decoder.Feed({data, split});
  decoder.Feed({data + split, size - split});
  size_t consumed = 0;
  while (true) {
    auto frame = decoder.Next();
    if (!frame || !*frame) break;
    const Frame& f = **frame;
    std::string again = EncodeFrame(f.stream_id, f.type, f.flags, f.data);
    if (again.size() != kHeaderBytes + f.data.size()) std::abort();
    if (consumed + again.size() > size) std::abort();
    if (again.compare(0, again.size(), reinterpret_cast<const char*>(data) + consumed,
                      again.size()) != 0) {
      std::abort();
    }
    consumed += again.size();
    ::ttrpc::Request request;
    if (request.ParseFromString(f.data)) {
      ::grpc::CreateContainerRequest create;
      (void)create.ParseFromString(request.payload());
      ::grpc::ExecProcessRequest exec;
      (void)exec.ParseFromString(request.payload());
    }
    ::ttrpc::Response response;
    (void)response.ParseFromString(f.data);
  }
  return 0;
}
