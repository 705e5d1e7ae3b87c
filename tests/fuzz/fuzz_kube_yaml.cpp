// libFuzzer target for the .kube YAML reader: the input is a Yaml= file as an untrusted
// root would supply it (then each Mount= word parser gets the same bytes). Nothing may
// crash, hang or throw; every image found must come with a line inside the input, and a
// reference that parses must print back to one that parses.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "quadlet-scan/image_ref.hpp"
#include "quadlet-scan/kube_yaml.hpp"
#include "quadlet-scan/mount_option.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)quadlet_scan::parse_mount(text);

  auto yaml = quadlet_scan::read_kube_yaml(text);
  if (!yaml) return 0;
  const auto lines = static_cast<unsigned>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& image : yaml->images) {
    if (image.line == 0 || image.line > lines || image.image.empty()) __builtin_trap();
    auto ref = quadlet_scan::parse_image_ref(image.image);
    if (ref && !quadlet_scan::parse_image_ref(ref->without_transport())) __builtin_trap();
  }
  return 0;
}
