"""Seeded generator of small OS roots full of Quadlet units that podman 5.4 accepts, and the
judge that reads podman 5.4's own generator output (`quadlet -dryrun`) for the images the
generated services pull or run. The differential test (test_quadlet_differential.py)
compares that set, root by root, with `quadlet-scan --all --root ROOT`.

    spec = generate(seed, features)      # a Root: {path: text}, symlinks, yaml images
    spec.write(dirpath)
    images_of_dryrun(text, root, spec)   # the judge: set of pullable references

Features name what a root may contain, so a run can be limited to what quadlet-scan
already handles (see ALL_FEATURES for the list).

podman 5.4's rules the generator stays within (cmd/quadlet/main.go, pkg/systemd/parser):
QUADLET_UNIT_DIRS=ETC:USR, each walked recursively (preorder, names sorted, *.d skipped);
the first directory with a unit name wins; drop-in directories (NAME.d, the type's
container.d, each dash-truncated prefix foo-.container.d and, for templates, foo@ and
foo-@) are looked up in every walked directory, a .conf name seen first (earlier search
dir, then more specific level) hides the others, and all are merged sorted by file name;
Image=/Yaml=/Driver= are the last value with surrounding double quotes trimmed; Mount=
values split on whitespace (several mounts per line) and an empty Mount= resets; a
backslash at the end of a line joins the next line without a space, and comment lines
inside a continuation are skipped.
"""
import json
import os
import random
import re
import shlex

ETC = "etc/containers/systemd"
USR = "usr/share/containers/systemd"

ALL_FEATURES = frozenset({
    # syntax
    "quotes", "comments", "continuation", "continuation_midword", "spaces",
    "repeated_sections", "repeated_keys", "empty_reset",
    # image-bearing keys and unit types
    "container", "image_unit", "container_image_unit", "container_build_unit", "image_tag",
    "mount_ref", "mount_image_unit", "mount_several", "volume", "volume_image_unit",
    "kube", "build", "build_tags",
    # drop-ins
    "dropin_unit", "dropin_template", "dropin_type", "dropin_truncated", "dropin_shadowing",
    # templates
    "template_default", "template_instances", "template_instance_files",
    # search paths
    "usr", "etc", "subdirs", "shadowing",
})

NAMES = ["web", "db", "cache", "app-api", "app-api-v2", "app-web", "edge-proxy-main", "worker"]
SUBDIRS = ["", "", "", "apps", "apps/inner", "zz"]
TEMPLATE_NAMES = ["svc", "app-svc", "job-run"]
INSTANCES = ["canary", "main", "blue", "x1"]
# The kinds podman 5.4's `kube play` runs (pkg/domain/infra/abi/play.go); it skips the
# others ("Kube kind %s not supported"), StatefulSet and ReplicaSet included.
PLAYED_KINDS = ["Pod", "Deployment", "DaemonSet", "Job"]
OTHER_KINDS = ["StatefulSet", "ReplicaSet", "ConfigMap"]


class Root:
    def __init__(self, seed, features):
        self.seed = seed
        self.features = sorted(features)
        self.needs = self.features  # a fixture's: the features its mismatch needs
        self.files = {}        # relative path -> text
        self.links = {}        # relative path -> link target (relative)
        self.yaml_images = {}  # relative path of a YAML file -> [images]
        self.dirs = set()

    def write(self, top):
        for d in sorted(self.dirs):
            os.makedirs(os.path.join(top, d), exist_ok=True)
        for rel, text in self.files.items():
            path = os.path.join(top, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        for rel, target in self.links.items():
            path = os.path.join(top, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink(target, path)

    def to_json(self):
        return json.dumps({"seed": self.seed, "features": self.features, "needs": self.needs,
                           "files": self.files,
                           "links": self.links, "yaml_images": self.yaml_images,
                           "dirs": sorted(self.dirs)}, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        d = json.loads(text)
        r = cls(d.get("seed"), d.get("features", []))
        r.needs = d.get("needs", r.features)
        r.files, r.links = d["files"], d.get("links", {})
        r.yaml_images = d.get("yaml_images", {})
        r.dirs = set(d.get("dirs", []))
        return r

    def describe(self):
        """The whole root as text, for a failure message."""
        out = []
        for rel in sorted(set(self.files) | set(self.links)):
            if rel in self.links:
                out.append(f"--- {rel} -> {self.links[rel]}")
            else:
                out.append(f"--- {rel}\n{self.files[rel]}")
        return "\n".join(out)


class Gen:
    def __init__(self, seed, features):
        self.rnd = random.Random(seed)
        self.f = set(features)
        self.root = Root(seed, features)
        self.n = 0
        self.containers = []   # unit file names of .container units (for dropins)
        self.image_units = []  # names of .image units
        self.build_units = []
        self.dropin_targets = []  # .image, .volume and .kube units drop-ins may change
        self.kube_dirs = {}       # .kube unit name -> directories holding a unit of that name
        self.names = set()     # unit file names used so far (no shadowing unless asked)
        self.count = 0

    def unit_name(self, stem, suffix):
        """A unit file name: stem.suffix, or with a number when that name is taken and the
        root may not shadow names."""
        name = f"{stem}{suffix}"
        if name in self.names and "shadowing" not in self.f:
            self.count += 1
            name = f"{stem}{self.count}{suffix}"
        self.names.add(name)
        return name

    def on(self, feature, p=0.5):
        return feature in self.f and self.rnd.random() < p

    # -- references ---------------------------------------------------------------------
    def ref(self):
        self.n += 1
        i = self.n
        form = self.rnd.randrange(6)
        digest = "%064x" % self.rnd.getrandbits(256)
        if form == 0:
            return f"quay.io/acme/n{i}:{self.rnd.choice(['1', 'v2.3', 'latest'])}"
        if form == 1:
            return f"registry.example:5000/team/sub/n{i}"
        if form == 2:
            return f"quay.io/acme/n{i}@sha256:{digest}"
        if form == 3:
            return f"ghcr.io/acme/n{i}:v1@sha256:{digest}"
        if form == 4:
            return f"docker.io/library/n{i}:1.{i}"
        return f"10.0.0.7:5000/n{i}:t{i}"

    def local_tag(self):
        self.n += 1
        return f"localhost/built-n{self.n}:{self.n}"

    # -- syntax -------------------------------------------------------------------------
    def render(self, sections, quotable=("Image", "Mount", "Yaml", "Driver", "ImageTag")):
        """sections: [(name, [(key, value)])] -> unit text in a random valid syntax."""
        out = []
        if self.on("comments", 0.4):
            out.append(self.rnd.choice(["# generated", "; a comment", "#[Container]"]))
        split = []
        for name, entries in sections:
            if self.on("repeated_sections", 0.3) and len(entries) > 1:
                k = self.rnd.randrange(1, len(entries))
                split.append((name, entries[:k]))
                if self.on("comments", 0.5):
                    split.append(("Unit", [("Description", "between")]))
                split.append((name, entries[k:]))
            else:
                split.append((name, entries))
        for name, entries in split:
            out.append(f"[{name}]")
            for key, value in entries:
                if self.on("comments", 0.3):
                    out.append(self.rnd.choice(["# Image=quay.io/acme/commented:1",
                                                "; Mount=type=image,source=x.io/c:1,dst=/c",
                                                "   # indented comment", ""]))
                out.append(self.entry(key, value, key in quotable and name != "Build"))
        text = "\n".join(out) + "\n"
        return text

    def entry(self, key, value, quotable):
        if quotable and value and self.on("quotes", 0.3) and not set('" ') & set(value):
            value = f'"{value}"'
        sep = "="
        if self.on("spaces", 0.3):
            sep = self.rnd.choice([" = ", " =", "= ", "\t=\t"])
        lead = "  " if self.on("spaces", 0.15) else ""
        trail = " " if self.on("spaces", 0.15) and value else ""
        if value and self.on("continuation", 0.2):
            if self.on("continuation_midword", 0.5) and len(value) > 4:
                cut = self.rnd.randrange(1, len(value) - 1)
                head, tail = value[:cut], value[cut:]
                if head.endswith(" ") or tail.startswith(" "):
                    return f"{lead}{key}{sep}{value}{trail}"
                mid = "\n# inside a continuation" if self.on("comments", 0.3) else ""
                return f"{lead}{key}{sep}{head}\\{mid}\n{tail}{trail}"
            return f"{lead}{key}{sep}\\\n  {value}{trail}"
        return f"{lead}{key}{sep}{value}{trail}"

    # -- places -------------------------------------------------------------------------
    def search_dir(self):
        bases = [b for b, feat in ((ETC, "etc"), (USR, "usr")) if feat in self.f] or [USR]
        base = self.rnd.choice(bases)
        sub = self.rnd.choice(SUBDIRS) if "subdirs" in self.f else ""
        return f"{base}/{sub}".rstrip("/")

    def put(self, directory, filename, text):
        self.root.links.pop(f"{directory}/{filename}", None)
        self.root.files[f"{directory}/{filename}"] = text

    def link(self, directory, filename, target):
        self.root.files.pop(f"{directory}/{filename}", None)
        self.root.links[f"{directory}/{filename}"] = target

    # -- units --------------------------------------------------------------------------
    def image_value(self, allow_units=True):
        """Image= of a .container/.volume: a reference, NAME.image or NAME.build."""
        choices = ["ref"]
        if allow_units and self.image_units and "container_image_unit" in self.f:
            choices.append("image")
        if allow_units and self.build_units and "container_build_unit" in self.f:
            choices.append("build")
        c = self.rnd.choice(choices)
        if c == "image":
            return self.rnd.choice(self.image_units)
        if c == "build":
            return self.rnd.choice(self.build_units)
        return self.ref()

    def with_decoy(self, key, value, entries):
        """Repeated keys: an earlier value that the last one overrides."""
        if self.on("repeated_keys", 0.3):
            entries.append((key, self.ref() if key != "Yaml" else value))
        entries.append((key, value))

    def mount_entries(self, entries):
        mounts = []
        for _ in range(self.rnd.randrange(0, 3)):
            source = self.ref()
            if self.image_units and self.on("mount_image_unit", 0.4):
                source = self.rnd.choice(self.image_units)
            elif "mount_ref" not in self.f:
                continue
            dest = f"/m{self.n}"
            src_key = self.rnd.choice(["source", "src"])
            dst_key = self.rnd.choice(["destination", "dst", "target"])
            parts = [f"{src_key}={source}", f"{dst_key}={dest}"]
            if self.rnd.random() < 0.3:
                parts.append("rw=false")
            self.rnd.shuffle(parts)
            parts.insert(self.rnd.randrange(len(parts) + 1), "type=image")
            mounts.append(",".join(parts))
        if self.on("mount_ref", 0.2):
            mounts.append(f"type=tmpfs,destination=/t{self.n}")
        if mounts and self.on("empty_reset", 0.3):
            entries.append(("Mount", f"type=image,source={self.ref()},destination=/reset"))
            entries.append(("Mount", ""))
        while mounts:
            k = 1
            if self.on("mount_several", 0.4):
                k = self.rnd.randrange(1, len(mounts) + 1)
            entries.append(("Mount", " ".join(mounts[:k])))
            mounts = mounts[k:]

    def container_sections(self):
        """[Container] with Image= (maybe after a decoy), image mounts and noise; each key's
        lines keep their order (last Image= wins, an empty Mount= resets), keys interleave."""
        images, mounts, other = [], [], []
        self.with_decoy("Image", self.image_value(), images)
        self.mount_entries(mounts)
        if self.rnd.random() < 0.3:
            other.append(("Environment", "A=1 B=2"))
        groups = [images, mounts, other]
        self.rnd.shuffle(groups)
        return [("Container", [e for g in groups for e in g])]

    def add_image_unit(self):
        name = self.unit_name(f"i-{self.rnd.choice(NAMES)}", ".image")
        entries = []
        self.with_decoy("Image", self.ref(), entries)
        if self.on("image_tag", 0.4):
            entries.append(("ImageTag", self.local_tag()))
        if self.rnd.random() < 0.4:
            entries.append(("TLSVerify", self.rnd.choice(["false", "true"])))
        self.put(self.search_dir(), name, self.render([("Image", entries)]))
        self.image_units.append(name)
        self.dropin_targets.append(name)

    def add_build_unit(self):
        name = self.unit_name(f"b-{self.rnd.choice(NAMES)}", ".build")
        entries = [("ImageTag", self.local_tag())]
        if self.on("build_tags", 0.6):
            entries.append(("ImageTag", self.local_tag()))
        entries.append(("File", "/usr/share/acme/Containerfile"))
        self.put(self.search_dir(), name, self.render([("Build", entries)], quotable=()))
        self.build_units.append(name)

    def add_container(self, name=None, directory=None):
        name = name or self.unit_name(self.rnd.choice(NAMES), ".container")
        sections = self.container_sections()
        if self.rnd.random() < 0.5:
            sections.append(("Install", [("WantedBy", "multi-user.target")]))
        self.put(directory or self.search_dir(), name, self.render(sections))
        self.containers.append(name)
        return name

    def add_volume(self):
        name = self.unit_name(f"v-{self.rnd.choice(NAMES)}", ".volume")
        entries = [("Driver", "image")]
        value = self.ref()
        if self.image_units and self.on("volume_image_unit", 0.5):
            value = self.rnd.choice(self.image_units)
        self.with_decoy("Image", value, entries)
        if self.rnd.random() < 0.3:
            entries.append(("Label", "a=b"))
        self.put(self.search_dir(), name, self.render([("Volume", entries)]))
        self.dropin_targets.append(name)

    def yaml_doc(self, kind, images):
        """A Kubernetes document of `kind` whose containers run `images` (none for ConfigMap)."""
        def containers(key, imgs, indent):
            pad = " " * indent
            if not imgs:
                return ""
            if self.rnd.random() < 0.3:  # flow style
                items = ", ".join(f'{{name: c{k}, image: "{im}"}}' for k, im in enumerate(imgs))
                return f"{pad}{key}: [{items}]\n"
            lines = [f"{pad}{key}:"]
            for k, im in enumerate(imgs):
                q = self.rnd.choice(['', '"', "'"])
                lines.append(f"{pad}- name: c{k}")
                if self.rnd.random() < 0.3:
                    lines.append(f"{pad}  # image: quay.io/acme/commented:1")
                lines.append(f"{pad}  image: {q}{im}{q}")
                if self.rnd.random() < 0.3:
                    lines.append(f"{pad}  command: [\"/bin/sh\", \"-c\", \"image: x\"]")
            return "\n".join(lines) + "\n"

        init = images[:1] if len(images) > 1 and self.rnd.random() < 0.4 else []
        main = images[len(init):]
        if kind == "ConfigMap":
            return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n"
                    "data:\n  image: quay.io/acme/not-an-image:1\n")
        if kind == "Pod":
            return ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
                    + containers("initContainers", init, 2) + containers("containers", main, 2))
        api = "batch/v1" if kind == "Job" else "apps/v1"
        return (f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: w\nspec:\n"
                "  template:\n    metadata:\n      labels:\n        app: w\n    spec:\n"
                + containers("initContainers", init, 6) + containers("containers", main, 6))

    def add_kube(self):
        name = self.unit_name(f"k-{self.rnd.choice(NAMES)}", ".kube")
        directory = self.search_dir()
        text, images = self.kube_yaml()
        if self.rnd.random() < 0.5:
            yaml_rel = f"{directory}/{name[:-5]}.yaml"
            value = os.path.basename(yaml_rel)
            if self.rnd.random() < 0.3:
                value = "./" + value
        else:
            yaml_rel = f"usr/share/acme/{name[:-5]}.yaml"
            value = "/" + yaml_rel
        self.root.files[yaml_rel] = text
        self.root.yaml_images[yaml_rel] = images
        self.put(directory, name, self.render([("Kube", [("Yaml", value)])]))
        self.kube_dirs.setdefault(name, []).append(directory)
        self.dropin_targets.append(name)

    def add_template(self):
        base = self.unit_name(self.rnd.choice(TEMPLATE_NAMES), "@.container")[:-len("@.container")]
        directory = self.search_dir()
        sections = self.container_sections()
        install = []
        if self.on("template_default", 0.7):
            install.append(("DefaultInstance", self.rnd.choice(INSTANCES)))
        if install or self.rnd.random() < 0.5:
            install.append(("WantedBy", "multi-user.target"))
        sections.append(("Install", install))
        template = f"{base}@.container"
        self.put(directory, template, self.render(sections))
        self.containers.append(template)
        for inst in self.rnd.sample(INSTANCES, self.rnd.randrange(0, 3)):
            iname = f"{base}@{inst}.container"
            if self.on("template_instance_files", 0.3):
                self.put(directory, iname, self.render(self.container_sections()))
            elif "template_instances" in self.f:
                self.link(directory, iname, template)
            else:
                continue
            self.containers.append(iname)

    # -- drop-ins -----------------------------------------------------------------------
    def dropin_dirs_for(self, unit):
        """(feature, directory name) of each drop-in level of a unit file name."""
        stem, ext = unit.rsplit(".", 1)
        base, _, inst = stem.partition("@")
        is_template = "@" in stem
        levels = [("dropin_type", f"{ext}.d")]
        parts = base.split("-")
        for i in range(1, len(parts)):
            prefix = "-".join(parts[:i]) + "-"
            levels.append(("dropin_truncated", f"{prefix}.{ext}.d"))
            if is_template:
                levels.append(("dropin_truncated", f"{prefix}@.{ext}.d"))
        if inst:
            levels.append(("dropin_template", f"{base}@.{ext}.d"))
        levels.append(("dropin_template" if is_template and not inst else "dropin_unit",
                       f"{unit}.d"))
        return [(feat, d) for feat, d in levels if feat in self.f]

    def kube_yaml(self):
        """(text, images) of a YAML file kube play accepts."""
        docs, images = [], []
        kinds = [self.rnd.choice(PLAYED_KINDS)]  # kube play fails without one it plays
        kinds += [self.rnd.choice(PLAYED_KINDS + OTHER_KINDS)
                  for _ in range(self.rnd.randrange(0, 3))]
        self.rnd.shuffle(kinds)
        for kind in kinds:
            imgs = [] if kind == "ConfigMap" else [self.ref() for _ in range(self.rnd.randrange(1, 3))]
            docs.append(self.yaml_doc(kind, imgs))
            if kind in PLAYED_KINDS:
                images += imgs
        return ("# generated\n" if self.rnd.random() < 0.3 else "") + "---\n".join(docs), images

    def dropin_entries(self, unit):
        """(section, entries) a drop-in of `unit` sets: what names its image(s)."""
        ext = unit.rsplit(".", 1)[1]
        if ext == "image":
            return "Image", [("Image", self.ref())]
        if ext == "volume":
            return "Volume", [("Image", self.image_value(allow_units=bool(
                self.image_units) and "volume_image_unit" in self.f))]
        if ext == "kube":
            text, images = self.kube_yaml()
            self.count += 1
            name = f"dropin-{self.count}.yaml"
            if self.rnd.random() < 0.5:
                # Relative: to the unit's file (not the drop-in's), wherever it is; kube.d
                # and truncated levels apply to other .kube units too.
                for d in {d for dirs in self.kube_dirs.values() for d in dirs}:
                    self.root.files[f"{d}/{name}"] = text
                    self.root.yaml_images[f"{d}/{name}"] = images
                return "Kube", [("Yaml", name)]
            rel = f"usr/share/acme/{name}"
            self.root.files[rel] = text
            self.root.yaml_images[rel] = images
            return "Kube", [("Yaml", "/" + rel)]
        entries = []
        if self.rnd.random() < 0.6:
            entries.append(("Image", self.image_value()))
        self.mount_entries(entries)
        if not entries:
            entries.append(("Environment", "DROPIN=1"))
        return "Container", entries

    def add_dropins(self):
        targets = self.containers * 2 + self.dropin_targets
        if not targets:
            return
        for _ in range(self.rnd.randrange(0, 5)):
            unit = self.rnd.choice(targets)
            levels = self.dropin_dirs_for(unit)
            if not levels:
                continue
            _, dirname = self.rnd.choice(levels)
            conf = self.rnd.choice(["10-a.conf", "50-image.conf", "90-z.conf"])
            section, entries = self.dropin_entries(unit)
            self.put(f"{self.search_dir()}/{dirname}", conf, self.render([(section, entries)]))
            if self.on("dropin_shadowing", 0.5):
                # The same .conf name at another level or search path: only one applies.
                _, other = self.rnd.choice(levels)
                section, entries = self.dropin_entries(unit)
                self.put(f"{self.search_dir()}/{other}", conf,
                         self.render([(section, entries)]))

    def generate(self):
        if "image_unit" in self.f:
            for _ in range(self.rnd.randrange(0, 3)):
                self.add_image_unit()
        if "build" in self.f:
            for _ in range(self.rnd.randrange(0, 2)):
                self.add_build_unit()
        makers = []
        if "container" in self.f:
            makers += [self.add_container] * 3
        if "volume" in self.f:
            makers.append(self.add_volume)
        if "kube" in self.f:
            makers.append(self.add_kube)
        if self.f & {"template_default", "template_instances", "template_instance_files"}:
            makers.append(self.add_template)
        for _ in range(self.rnd.randrange(1, 5)):
            if makers:
                self.rnd.choice(makers)()
        if "shadowing" in self.f and self.containers and self.rnd.random() < 0.5:
            # The same unit name again elsewhere in the search paths.
            self.add_container(name=self.rnd.choice(
                [c for c in self.containers if "@" not in c] or [None]))
        self.add_dropins()
        for d in (ETC, USR):
            self.root.dirs.add(d)
        if self.rnd.random() < 0.3:
            self.put(self.search_dir(), "README", "not a unit\n")
            self.put(self.search_dir(), "x.network", "[Network]\n")
        return self.root


def generate(seed, features=ALL_FEATURES):
    return Gen(seed, features).generate()


# -- the judge: podman 5.4's generated services ---------------------------------------------

def parse_dryrun(text):
    """{service name: {section: [(key, value)]}} of `quadlet -dryrun` output."""
    services = {}
    current = None
    section = None
    for line in text.splitlines():
        m = re.match(r"^---(.+)---$", line)
        if m:
            current = services.setdefault(os.path.basename(m.group(1)), {})
            section = None
            continue
        if current is None or not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = current.setdefault(line[1:-1], [])
            continue
        if section is not None and "=" in line:
            key, _, value = line.partition("=")
            section.append((key, value))
    return services


def _podman_args(exec_start):
    words = shlex.split(exec_start)
    while words and not words[0].endswith("/podman"):
        words.pop(0)
    return words[1:]


def images_of_dryrun(text, root_dir, spec):
    """The pullable images of the services podman 5.4 generated for a root: what `podman
    image pull` pulls, what `podman run` runs and mounts (--mount type=image), what `volume
    create --opt image=` names and the images of the YAML `kube play` plays (its Pod,
    Deployment, DaemonSet and Job documents, read from the spec: the generator does not
    read YAML), less what the root makes locally (the tags of `podman build`, the
    ImageTag= of .image units). A bare template counts only with a DefaultInstance=
    that has no unit of its own (systemd starts nothing else of it)."""
    services = parse_dryrun(text)
    wanted, local = set(), set()
    for name, sections in services.items():
        for key, value in sections.get("X-Image", []):
            if key == "ImageTag" and value.strip().strip('"'):
                local.add(value.strip().strip('"'))
        if "@." in name:
            # systemd starts a bare template only as its DefaultInstance=, and not even
            # then when that instance has a unit of its own (a regular file instance).
            install = dict(sections.get("Install", []))
            default = install.get("DefaultInstance", "").strip().strip('"')
            if not default or name.replace("@.", f"@{default}.", 1) in services:
                continue
        for key, value in sections.get("Service", []):
            if key != "ExecStart":
                continue
            args = _podman_args(value)
            if not args:
                continue
            if args[:2] == ["image", "pull"]:
                wanted.add(args[-1])
            elif args[0] == "build":
                local.update(args[i + 1] for i, a in enumerate(args) if a == "--tag")
            elif args[0] == "run":
                wanted.add(args[-1])
                for i, a in enumerate(args):
                    if a == "--mount":
                        opts = dict(p.split("=", 1) for p in args[i + 1].split(",") if "=" in p)
                        if opts.get("type") == "image":
                            wanted.add(opts.get("source") or opts["src"])
            elif args[:2] == ["volume", "create"]:
                for i, a in enumerate(args):
                    if a == "--opt" and args[i + 1].startswith("image="):
                        wanted.add(args[i + 1][len("image="):])
            elif args[:2] == ["kube", "play"]:
                path = args[-1]
                prefix = root_dir.rstrip("/") + "/"
                rel = path[len(prefix):] if path.startswith(prefix) else path.lstrip("/")
                rel = os.path.normpath(rel)
                if rel not in spec.yaml_images:
                    raise AssertionError(f"kube play of {path}: not a YAML file of the root")
                wanted.update(spec.yaml_images[rel])
    return wanted - local
