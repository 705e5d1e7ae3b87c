#include "base/size.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <iterator>
#include <limits>
#include <utility>

namespace rootpin::util {

std::expected<std::uint64_t, std::string> parse_size(std::string_view text) {
  auto bad = [&] {
    return std::unexpected(
        fmt::format("'{}' is not a size (a number of bytes, or with K, M, G or T)", text));
  };
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end == text.data()) {
    return bad();
  }
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  int shift = 0;
  if (!unit.empty()) {
    switch (std::toupper(static_cast<unsigned char>(unit.front()))) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      case 'B': shift = 0; break;
      default: return bad();
    }
    unit.remove_prefix(1);
    if (shift != 0 && (unit == "B" || unit == "iB")) {
      unit = {};
    }
    if (!unit.empty()) {
      return bad();
    }
  }
  if (shift != 0 && n > (std::numeric_limits<std::uint64_t>::max() >> shift)) {
    return bad();
  }
  return n << shift;
}

std::string size_text(std::uint64_t bytes) {
  static constexpr std::pair<char, int> kUnits[] = {{'T', 40}, {'G', 30}, {'M', 20}, {'K', 10}};
  for (const auto& [unit, shift] : kUnits) {
    const std::uint64_t one = std::uint64_t{1} << shift;
    if (bytes != 0 && bytes % one == 0) {
      return fmt::format("{}{}", bytes >> shift, unit);
    }
  }
  return fmt::format("{}", bytes);
}

std::string human_size(std::uint64_t bytes) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1000 && unit + 1 < std::size(kUnits)) {
    value /= 1000;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, kUnits[unit]);
}

}  // namespace rootpin::util
