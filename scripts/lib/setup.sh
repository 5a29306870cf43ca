# The set-up that scripts/test, scripts/demo and scripts/lock share: the Debian packages, the
# virtual environment (.venv) and the Python packages pinned by requirements/lock.txt.
# Sourced from the repository's root by those scripts, never run by itself.

# -- Debian packages: the one list --------------------------------------------------------------
# Each entry is "package|test": the Debian package, and a shell test that succeeds when what the
# package provides is already there (installed some other way counts too). Add a new system
# requirement here and nowhere else; for example the next issues add
#   "default-jre-headless|command -v java"     (Java)
# to TEST_DEBIAN_PACKAGES (or to SETUP_DEBIAN_PACKAGES if the demo needs it too).
SETUP_DEBIAN_PACKAGES=(
  # venv and ensurepip, to create .venv (Debian splits them out of python3)
  "python3-venv|test -x .venv/bin/python || python3 -c 'import ensurepip, venv'"
  # the Cyrillic font the portal's printable toolkit (PDF) embeds
  "fonts-dejavu-core|test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
)
TEST_DEBIAN_PACKAGES=(
  # the throwaway PostgreSQL cluster of the tests (not needed with MIGSTAT_TEST_PG_URL set)
  "postgresql|test -n \"\${MIGSTAT_TEST_PG_URL:-}\" || ls /usr/lib/postgresql/*/bin/initdb ||
   command -v initdb || test -x \"\$(pg_config --bindir)/initdb\""
  # the browser the portal's browser tests drive (Playwright never downloads one)
  "chromium|test -x /usr/bin/chromium"
  # R and its survey package: the reference the survey estimates are tested against
  "r-base-core|command -v Rscript"
  "r-cran-survey|Rscript -e 'library(survey)'"
  # Java for the Spark engine of migstat tabulate (PySpark local mode in the tests)
  "openjdk-17-jre-headless|command -v java"
)

LOCK_FILE="requirements/lock.txt"

_setup_name=$(basename "$0")

# Install the Debian packages of the entries given whose test fails: as root, or through
# passwordless sudo, with apt-get; otherwise stop, printing the one command that would.
ensure_debian_packages() {
  local entry missing=()
  for entry in "$@"; do
    if ! (eval "${entry#*|}") >/dev/null 2>&1; then
      missing+=("${entry%%|*}")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "$_setup_name: these Debian packages are missing: ${missing[*]}. Install them with:" >&2
      echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
      exit 2
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$_setup_name: these Debian packages are missing and there is no apt-get to install" \
      "them: ${missing[*]}" >&2
    exit 2
  fi
  echo "$_setup_name: installing the Debian packages ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  for entry in "$@"; do
    if ! (eval "${entry#*|}") >/dev/null 2>&1; then
      echo "$_setup_name: ${entry%%|*} was installed, but \`${entry#*|}\` still fails" >&2
      exit 2
    fi
  done
}

# The first Python 3.11 or newer on PATH.
find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "$_setup_name: Python 3.11 or newer is needed (python3 -m venv)." >&2
  return 2
}

# Create .venv if needed, then install migstat (editable) with the extras given, every package
# at the version requirements/lock.txt pins (also inside pip's isolated build environment).
install_migstat() {
  local extras="${1:-}" python
  if [ ! -x .venv/bin/python ]; then
    python=$(find_python)
    "$python" -m venv .venv
  fi
  # pip is asked only when what it would install changed: .venv/.migstat-install records the
  # digest of pyproject.toml and the lock with the extras installed for it ("" is in any).
  local digest record=.venv/.migstat-install
  digest=$(cat pyproject.toml "$LOCK_FILE" | sha256sum | cut -d' ' -f1)
  if grep -qx "$digest $extras" "$record" 2>/dev/null ||
     { [ -z "$extras" ] && grep -q "^$digest " "$record" 2>/dev/null; }; then
    return 0
  fi
  PIP_CONSTRAINT="$PWD/$LOCK_FILE" .venv/bin/python -m pip install --quiet \
    -e ".${extras:+[$extras]}"
  check_lock "$extras"
  { grep "^$digest " "$record" 2>/dev/null || true; echo "$digest $extras"; } > "$record.new"
  mv "$record.new" "$record"
}

# Every package that migstat (with these extras) needs, at any depth, must be pinned by the
# lock file; otherwise pip took whatever was newest and the install is not reproducible.
check_lock() {
  .venv/bin/python - "$LOCK_FILE" "${1:-}" <<'PY'
import os
import re
import sys
from importlib import metadata

try:
    from packaging.requirements import Requirement
except ImportError:  # without the test tools: the copy inside pip
    from pip._vendor.packaging.requirements import Requirement

lock_file, extras = sys.argv[1], [e for e in sys.argv[2].split(",") if e]


def canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


with open(lock_file, encoding="utf-8") as handle:
    pinned = {canon(line.split("==")[0]) for line in handle if "==" in line}
todo, seen, unpinned = [("migstat", extras)], set(), []
while todo:
    name, wanted = todo.pop()
    if (canon(name), tuple(wanted)) in seen:
        continue
    seen.add((canon(name), tuple(wanted)))
    try:
        requires = metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        continue  # not installed here, so not used here
    for text in requires:
        req = Requirement(text)
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in wanted or [""]):
            continue
        if canon(req.name) not in pinned:
            unpinned.append(req.name)
        todo.append((req.name, sorted(req.extras)))
if unpinned:
    print(f"{lock_file} does not pin {', '.join(sorted(set(unpinned)))}: refresh it with "
          "scripts/lock and commit it.", file=sys.stderr)
    ci = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
    sys.exit(2 if ci else 0)
PY
}
