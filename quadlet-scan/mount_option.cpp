#include "quadlet-scan/mount_option.hpp"

#include <utility>

namespace quadlet_scan {

std::expected<std::vector<std::string>, std::string> split_csv_record(std::string_view text) {
  std::vector<std::string> fields;
  if (text.empty()) return std::unexpected("empty mount");
  std::size_t i = 0;
  while (true) {
    std::string field;
    if (i < text.size() && text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) return std::unexpected("unterminated quote");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        return std::unexpected("extraneous character after a quoted field");
      }
    } else {
      while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        if (text[i] == '"') return std::unexpected("bare \" in a field that is not quoted");
        field += text[i++];
      }
    }
    fields.push_back(std::move(field));
    if (i >= text.size()) break;
    if (text[i] == ',') {
      ++i;
      continue;
    }
    // A line end: anything after it but more line ends is a second record.
    if (text.substr(i).find_first_not_of("\r\n") != std::string_view::npos) {
      return std::unexpected("more than one line");
    }
    break;
  }
  return fields;
}

std::expected<MountSpec, std::string> parse_mount(std::string_view word) {
  auto fields = split_csv_record(word);
  if (!fields) return std::unexpected(fields.error());
  MountSpec spec;
  bool found = false;
  bool source_without_value = false;
  for (const std::string& f : *fields) {
    // FindMountType: the first token that splits on "=" into exactly "type" and a value.
    auto eq = f.find('=');
    if (!found && eq != std::string::npos && f.find('=', eq + 1) == std::string::npos &&
        f.compare(0, eq, "type") == 0 && eq == 4) {
      spec.type = f.substr(eq + 1);
      found = true;
      continue;
    }
    std::string_view key = std::string_view(f).substr(0, eq);
    if (key == "source" || key == "src") {
      source_without_value = eq == std::string::npos;
      spec.source = source_without_value ? std::string() : f.substr(eq + 1);
    }
  }
  if (!found)
    return std::unexpected("no type= (podman wants type=<bind|glob|image|tmpfs|volume|...>)");
  const bool sourced =
      spec.type == "image" || spec.type == "volume" || spec.type == "bind" || spec.type == "glob";
  if (sourced && source_without_value) {
    return std::unexpected("source parameter does not include a value");
  }
  return spec;
}

}  // namespace quadlet_scan
