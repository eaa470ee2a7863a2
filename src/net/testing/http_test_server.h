// Test-only helpers for the net tests: a started server on 127.0.0.1:0 with an echo handler,
// and a self-signed certificate made with the openssl CLI.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "net/http_client.h"
#include "net/http_server.h"
#include "testutil/temp_dir.h"

namespace cocoon::net::testing {

// "METHOD path query body", plus the remote address in x-remote.
inline HttpResponse Echo(const HttpRequest& req) {
  HttpResponse res =
      HttpResponse::Text(200, req.method + " " + req.path + " " + req.query + " " + req.body);
  res.headers.Set("x-remote", req.remote);
  return res;
}

// Starts a server or fails the test. Access logging is off to keep test output short.
inline std::unique_ptr<HttpServer> StartServer(HttpServerOptions options,
                                               HttpHandler handler = Echo) {
  options.address = "127.0.0.1";
  options.port = 0;
  auto server = std::make_unique<HttpServer>(std::move(options), std::move(handler));
  auto status = server->Start();
  EXPECT_TRUE(status.has_value()) << status.error().ToString();
  return server;
}

inline std::string Url(const HttpServer& server, std::string_view path, bool tls = false) {
  return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(server.port()) +
         std::string(path);
}

using testutil::TempDir;

// Writes cert.pem and key.pem (P-256, CN=localhost, SAN IP:127.0.0.1) into `dir`.
inline bool MakeSelfSignedCert(const std::string& dir) {
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
      " -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -days 1"
      " -keyout " +
      dir + "/key.pem -out " + dir + "/cert.pem 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace cocoon::net::testing
