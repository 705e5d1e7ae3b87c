#include "quadlet-scan/kube_yaml.hpp"

#include <yaml.h>

#include <algorithm>
#include <expected>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "quadlet-scan/utf8.hpp"

// libyaml (Debian's libyaml-dev, the reference C parser that go-yaml, and so podman, was
// ported from) rather than yaml-cpp: yaml-cpp 0.7 loops forever on inputs as small as
// `"x",` (found by fuzz_kube_yaml in seconds), and a staged root is untrusted input.
// libyaml's parser keeps its own stacks instead of recursing; the document is built here
// from its events, with a nesting limit (libyaml's own loader has none and its scanner
// slows down quadratically with flow nesting) and aliases as references to one node.

namespace quadlet_scan {

namespace {

unsigned line_of(const yaml_mark_t& mark) { return static_cast<unsigned>(mark.line) + 1; }

unsigned line_at(std::string_view text, std::size_t offset) {
  return static_cast<unsigned>(std::count(text.begin(), text.begin() + offset, '\n')) + 1;
}

std::optional<KubeYamlError> check_bytes(std::string_view text) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    return KubeYamlError{line_at(text, nul), "contains a NUL byte"};
  }
  if (auto bad = find_invalid_utf8(text)) {
    return KubeYamlError{line_at(text, *bad), "is not valid UTF-8"};
  }
  return std::nullopt;
}

class Parser {
public:
  explicit Parser(std::string_view text) {
    ok_ = yaml_parser_initialize(&parser_) != 0;
    if (ok_) {
      yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                   text.size());
    }
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  ~Parser() {
    if (ok_) yaml_parser_delete(&parser_);
  }
  bool ok() const { return ok_; }
  yaml_parser_t* get() { return &parser_; }

  KubeYamlError error() const {
    const char* problem = parser_.problem != nullptr ? parser_.problem : "cannot parse";
    std::string message = parser_.context != nullptr
                              ? fmt::format("bad YAML: {} {}", parser_.context, problem)
                              : fmt::format("bad YAML: {}", problem);
    return KubeYamlError{line_of(parser_.problem_mark), std::move(message)};
  }

private:
  yaml_parser_t parser_{};
  bool ok_ = false;
};

// One node of a document, built from libyaml's events. Aliases are the ids of the nodes
// they name, so a file costs memory in proportion to its size.
struct Node {
  yaml_node_type_t type = YAML_SCALAR_NODE;
  std::string text;   // a scalar's value
  bool plain = true;  // a scalar written without quotes or block style
  yaml_mark_t start_mark{};
  std::vector<int> items;  // a sequence's nodes; a mapping's key, value, key, value...
};

// Kubernetes manifests nest a dozen levels; libyaml's scanner slows down quadratically
// with flow nesting (a 400,000-deep "[[[..." takes minutes), so deeper is an error.
constexpr std::size_t kMaxDepth = 100;
// Aliases let a small file name one container many times over: bounded.
constexpr std::size_t kMaxImages = 10'000;

class Event {
public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() {
    if (parsed_) yaml_event_delete(&event_);
  }
  bool parse(Parser& parser) {
    parsed_ = yaml_parser_parse(parser.get(), &event_) != 0;
    return parsed_;
  }
  const yaml_event_t& get() const { return event_; }

private:
  yaml_event_t event_{};
  bool parsed_ = false;
};

class Document {
public:
  // Reads the next document's events. False at the end of the stream; an error for bad
  // YAML, unknown anchors or too deep nesting.
  std::expected<bool, KubeYamlError> load(Parser& parser) {
    nodes_.clear();
    anchors_.clear();
    root_ = -1;
    std::vector<int> open;  // the collections being read, innermost last
    while (true) {
      Event event;
      if (!event.parse(parser)) return std::unexpected(parser.error());
      const yaml_event_t& e = event.get();
      switch (e.type) {
        case YAML_STREAM_END_EVENT: return false;
        case YAML_DOCUMENT_END_EVENT: return true;
        case YAML_SCALAR_EVENT: {
          Node n;
          n.text.assign(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
          n.plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
          n.start_mark = e.start_mark;
          add(std::move(n), e.data.scalar.anchor, open);
          break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
          if (open.size() >= kMaxDepth) {
            return std::unexpected(KubeYamlError{
                line_of(e.start_mark), fmt::format("nested deeper than {} levels", kMaxDepth)});
          }
          Node n;
          n.type = e.type == YAML_SEQUENCE_START_EVENT ? YAML_SEQUENCE_NODE : YAML_MAPPING_NODE;
          n.start_mark = e.start_mark;
          const yaml_char_t* anchor = e.type == YAML_SEQUENCE_START_EVENT
                                          ? e.data.sequence_start.anchor
                                          : e.data.mapping_start.anchor;
          open.push_back(add(std::move(n), anchor, open));
          break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          if (!open.empty()) open.pop_back();
          break;
        case YAML_ALIAS_EVENT: {
          auto it = anchors_.find(reinterpret_cast<const char*>(e.data.alias.anchor));
          if (it == anchors_.end()) {
            return std::unexpected(KubeYamlError{line_of(e.start_mark), "unknown anchor"});
          }
          attach(it->second, open);
          break;
        }
        default: break;  // stream and document start
      }
    }
  }

  const Node* root() const {
    return root_ < 0 ? nullptr : &nodes_[static_cast<std::size_t>(root_)];
  }
  const Node* node(int id) const { return &nodes_[static_cast<std::size_t>(id)]; }

private:
  int add(Node n, const yaml_char_t* anchor, const std::vector<int>& open) {
    const int id = static_cast<int>(nodes_.size());
    nodes_.push_back(std::move(n));
    if (anchor != nullptr) anchors_[reinterpret_cast<const char*>(anchor)] = id;
    attach(id, open);
    return id;
  }
  void attach(int id, const std::vector<int>& open) {
    if (open.empty()) {
      if (root_ < 0) root_ = id;
      return;
    }
    nodes_[static_cast<std::size_t>(open.back())].items.push_back(id);
  }

  std::vector<Node> nodes_;
  std::map<std::string, int> anchors_;
  int root_ = -1;
};

std::string_view scalar_text(const Node* n) { return n->text; }

bool is_null(const Node* n) {
  if (n == nullptr) return true;
  if (n->type != YAML_SCALAR_NODE || !n->plain) return false;
  const std::string_view v = n->text;
  return v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL";
}

class Reader {
public:
  Reader(const Document& doc, KubeYaml& out) : doc_(doc), out_(out) {}

  std::optional<KubeYamlError> document(const Node* node, bool in_list) {
    if (is_null(node)) return std::nullopt;  // an empty document: podman skips it too
    if (node->type != YAML_MAPPING_NODE) {
      return KubeYamlError{line_of(node->start_mark),
                           in_list ? "a List item is not a mapping"
                                   : "a YAML document is not a mapping (not a Kubernetes object)"};
    }
    auto kind_node = child(node, "kind");
    if (!kind_node) return std::move(kind_node.error());
    std::string kind;
    if (*kind_node != nullptr && (*kind_node)->type == YAML_SCALAR_NODE) {
      kind = std::string(scalar_text(*kind_node));
    }
    if (kind == "List" && !in_list) {
      auto items = child(node, "items");
      if (!items) return std::move(items.error());
      if (is_null(*items)) return std::nullopt;
      if ((*items)->type != YAML_SEQUENCE_NODE) {
        return KubeYamlError{line_of((*items)->start_mark), "List items is not a list"};
      }
      for (int it : (*items)->items) {
        if (auto e = document(doc_.node(it), true)) return e;
      }
      return std::nullopt;
    }
    if (kind == "Pod") return pod_spec(node, {"spec"}, kind);
    if (kind == "Deployment" || kind == "DaemonSet" || kind == "Job") {
      return pod_spec(node, {"spec", "template", "spec"}, kind);
    }
    if (kind == "StatefulSet" || kind == "ReplicaSet" || kind == "CronJob") {
      out_.skipped.push_back(KubeSkipped{kind, line_of(node->start_mark)});
    }
    return std::nullopt;  // ConfigMap, Secret, PersistentVolumeClaim, ...: no container
  }

private:
  // The value of key in a mapping (nullptr when absent or not a mapping). A key given
  // twice is an error, as it is for podman's YAML decoder.
  std::expected<const Node*, KubeYamlError> child(const Node* map, std::string_view key) {
    if (map == nullptr || map->type != YAML_MAPPING_NODE) return nullptr;
    const Node* found = nullptr;
    for (std::size_t i = 0; i + 1 < map->items.size(); i += 2) {
      const Node* k = doc_.node(map->items[i]);
      if (k->type != YAML_SCALAR_NODE || scalar_text(k) != key) continue;
      if (found != nullptr) {
        return std::unexpected(KubeYamlError{
            line_of(k->start_mark), fmt::format("mapping key \"{}\" already defined", key)});
      }
      found = doc_.node(map->items[i + 1]);
    }
    return found;
  }

  std::optional<std::string> scalar(const Node* map, std::string_view key) {
    auto v = child(map, key);
    if (!v || *v == nullptr || (*v)->type != YAML_SCALAR_NODE) return std::nullopt;
    return std::string(scalar_text(*v));
  }

  std::optional<KubeYamlError> pod_spec(const Node* node, std::initializer_list<const char*> path,
                                        const std::string& kind) {
    for (const char* key : path) {
      auto next = child(node, key);
      if (!next) return std::move(next.error());
      node = *next;
    }
    for (const char* list : {"initContainers", "containers"}) {
      auto containers = child(node, list);
      if (!containers) return std::move(containers.error());
      if (is_null(*containers)) continue;
      if ((*containers)->type != YAML_SEQUENCE_NODE) {
        return KubeYamlError{line_of((*containers)->start_mark),
                             fmt::format("{} {} is not a list", kind, list)};
      }
      for (int it : (*containers)->items) {
        if (auto e = container(doc_.node(it), kind)) return e;
      }
    }
    return image_volumes(node, kind);
  }

  std::optional<KubeYamlError> container(const Node* c, const std::string& kind) {
    const std::string name = scalar(c, "name").value_or("");
    auto image = child(c, "image");
    if (!image) return std::move(image.error());
    if (*image == nullptr || (*image)->type != YAML_SCALAR_NODE || scalar_text(*image).empty()) {
      return KubeYamlError{line_of(*image != nullptr ? (*image)->start_mark : c->start_mark),
                           fmt::format("{} container \"{}\" has no image", kind, printable(name))};
    }
    if (out_.images.size() >= kMaxImages) {
      return KubeYamlError{line_of((*image)->start_mark),
                           fmt::format("names more than {} images", kMaxImages)};
    }
    out_.images.push_back(KubeImage{std::string(scalar_text(*image)), line_of((*image)->start_mark),
                                    kind, name, scalar(c, "imagePullPolicy").value_or("")});
    return std::nullopt;
  }

  // Image volumes (volumes[].image.reference): podman pulls them for the pod too.
  std::optional<KubeYamlError> image_volumes(const Node* spec, const std::string& kind) {
    auto volumes = child(spec, "volumes");
    if (!volumes) return std::move(volumes.error());
    if (*volumes == nullptr || (*volumes)->type != YAML_SEQUENCE_NODE) return std::nullopt;
    for (int it : (*volumes)->items) {
      const Node* v = doc_.node(it);
      auto source = child(v, "image");
      if (!source) return std::move(source.error());
      if (is_null(*source)) continue;
      const std::string name = scalar(v, "name").value_or("");
      auto ref = child(*source, "reference");
      if (!ref) return std::move(ref.error());
      if (*ref == nullptr || (*ref)->type != YAML_SCALAR_NODE || scalar_text(*ref).empty()) {
        return KubeYamlError{
            line_of((*source)->start_mark),
            fmt::format("{} image volume \"{}\" has no reference", kind, printable(name))};
      }
      if (out_.images.size() >= kMaxImages) {
        return KubeYamlError{line_of((*ref)->start_mark),
                             fmt::format("names more than {} images", kMaxImages)};
      }
      out_.images.push_back(KubeImage{std::string(scalar_text(*ref)), line_of((*ref)->start_mark),
                                      kind, "volume " + name,
                                      scalar(*source, "pullPolicy").value_or("")});
    }
    return std::nullopt;
  }

  const Document& doc_;
  KubeYaml& out_;
};

}  // namespace

std::expected<KubeYaml, KubeYamlError> read_kube_yaml(std::string_view text) {
  if (auto e = check_bytes(text)) return std::unexpected(std::move(*e));
  Parser parser(text);
  if (!parser.ok()) return std::unexpected(KubeYamlError{0, "cannot start the YAML parser"});
  KubeYaml out;
  while (true) {
    Document doc;
    auto more = doc.load(parser);
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) break;  // the end of the stream
    Reader reader(doc, out);
    if (auto e = reader.document(doc.root(), false)) return std::unexpected(std::move(*e));
  }
  return out;
}

}  // namespace quadlet_scan
