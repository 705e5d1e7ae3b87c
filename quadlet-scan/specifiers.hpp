#pragma once
// Quadlet unit names and the systemd specifiers Quadlet allows in image references.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace quadlet_scan {

enum class UnitType { Container, Image, Volume, Build, Kube, Network, Pod, Other };

struct UnitName {
  std::string full;      // "web@blue.container"
  std::string prefix;    // "web"
  std::string instance;  // "blue" ("" for a non-template or a bare template)
  std::string suffix;    // ".container"
  UnitType type = UnitType::Other;

  bool is_template() const;           // "web@.container"
  bool is_instance() const;           // "web@blue.container"
  std::string template_name() const;  // "web@.container" for an instance, else full
  // systemd's %N: full name without the suffix.
  std::string stem() const;
  // The service Quadlet generates, systemd's %n at run time: "web.service" for .container
  // and .kube, "<stem>-<type>.service" for the others (Quadlet's replaceExtension()).
  std::string service_name() const;
};

// nullopt when the name has no Quadlet suffix or is not a valid unit name.
std::optional<UnitName> parse_unit_name(std::string_view filename);
// parse_unit_name(filename).has_value(), without building the name.
bool is_unit_name(std::string_view filename);

// Expands %i %I %n %N %p %P %% (the unescaped variants undo systemd's \xNN and '-'
// escaping). Any other specifier is an error that names it.
std::expected<std::string, std::string> expand_specifiers(std::string_view value,
                                                          const UnitName& unit);

}  // namespace quadlet_scan
