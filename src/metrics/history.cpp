#include "src/metrics/metrics.hpp"

#include <nlohmann/json.hpp>

namespace rootpin::metrics {

std::expected<History, std::string> parse_history(std::string_view text) {
  History h;
  try {
    auto j = nlohmann::json::parse(text);
    if (!j.is_object()) {
      return std::unexpected("not a JSON object");
    }
    if (j.value("version", 0) != History::kVersion) {
      return std::unexpected("unknown version");
    }
    if (auto it = j.find("last_run"); it != j.end()) {
      h.last_run = it->get<std::map<std::string, std::map<std::string, double>>>();
    }
    if (auto it = j.find("last_success"); it != j.end()) {
      h.last_success = it->get<std::map<std::string, double>>();
    }
    if (auto it = j.find("last_duration"); it != j.end()) {
      h.last_duration = it->get<std::map<std::string, double>>();
    }
    if (auto it = j.find("pulls"); it != j.end()) {
      h.pulls = it->get<std::map<std::string, std::uint64_t>>();
    }
    h.pulled_bytes = j.value("pulled_bytes", std::uint64_t{0});
    if (auto it = j.find("store"); it != j.end() && it->is_object()) {
      h.store =
          StoreFacts{it->value("images", std::uint64_t{0}), it->value("bytes", std::uint64_t{0})};
    }
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(std::string(e.what()));
  }
  return h;
}

std::string serialize_history(const History& h) {
  nlohmann::json j = {{"version", History::kVersion},
                      {"last_run", h.last_run},
                      {"last_success", h.last_success},
                      {"last_duration", h.last_duration},
                      {"pulls", h.pulls},
                      {"pulled_bytes", h.pulled_bytes}};
  if (h.store) {
    j["store"] = {{"images", h.store->images}, {"bytes", h.store->bytes}};
  }
  return j.dump(2) + "\n";
}

}  // namespace rootpin::metrics
