// Logging facade.
#include "base/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <string>

namespace cocoon::base {

void SetLogLevel(std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") lvl = spdlog::level::info;
  spdlog::set_level(lvl);
}

void InitLogging(std::string_view level) {
  auto logger = spdlog::stderr_color_mt("cocoon");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  SetLogLevel(level);
}

}  // namespace cocoon::base
