// Logging: spdlog behind a tiny facade so modules share one logger and one format.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace cocoon::base {

// Sends logs to stderr (stdout carries command output) with one format, at `level`.
void InitLogging(std::string_view level);

// Sets the global level from "trace|debug|info|warn|error|off"; unknown names keep "info".
void SetLogLevel(std::string_view level);

}  // namespace cocoon::base

#define LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define LOG_INFO(...) spdlog::info(__VA_ARGS__)
#define LOG_WARN(...) spdlog::warn(__VA_ARGS__)
#define LOG_ERROR(...) spdlog::error(__VA_ARGS__)
