#!/usr/bin/env bash
# Re-vendor the front-end assets served from static/vendor/ (no CDN).
# Fetches pinned versions from the npm registry with `npm pack`, copies only
# the files the app uses plus their licences, and records the versions in
# static/vendor/VERSIONS.txt. To upgrade, change the pins below and re-run.
set -euo pipefail

HTMX_VERSION="2.0.11"
BOOTSTRAP_VERSION="5.3.9"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cd "$TMP"
npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null
npm pack --silent "bootstrap@${BOOTSTRAP_VERSION}" >/dev/null

HTMX_TGZ="htmx.org-${HTMX_VERSION}.tgz"
BOOTSTRAP_TGZ="bootstrap-${BOOTSTRAP_VERSION}.tgz"

mkdir htmx bootstrap
tar -xzf "$HTMX_TGZ" -C htmx
tar -xzf "$BOOTSTRAP_TGZ" -C bootstrap

mkdir -p "$VENDOR/htmx" "$VENDOR/bootstrap"

cp htmx/package/dist/htmx.min.js "$VENDOR/htmx/htmx.min.js"
cp htmx/package/LICENSE "$VENDOR/htmx/LICENSE"

# Strip the sourceMappingURL comment: the .map file is not vendored and
# whitenoise's manifest storage would otherwise fail looking for it.
sed '/^\/\*# sourceMappingURL=.*\*\/$/d' \
    bootstrap/package/dist/css/bootstrap.min.css \
    > "$VENDOR/bootstrap/bootstrap.min.css"
cp bootstrap/package/LICENSE "$VENDOR/bootstrap/LICENSE"

if grep -q 'sourceMappingURL' "$VENDOR/htmx/htmx.min.js" "$VENDOR/bootstrap/bootstrap.min.css"; then
    echo "error: a vendored file still references a source map" >&2
    exit 1
fi

sha() { sha256sum "$1" | cut -d' ' -f1; }

cat > "$VENDOR/VERSIONS.txt" <<TXT
Vendored front-end assets (from the npm registry via npm pack; regenerate with scripts/vendor_assets.sh)

htmx.org ${HTMX_VERSION}
  license: $(cd htmx/package && node -p 'require("./package.json").license')
  tarball sha256: $(sha "$HTMX_TGZ")
  htmx/htmx.min.js    <- package/dist/htmx.min.js       sha256 $(sha "$VENDOR/htmx/htmx.min.js")
  htmx/LICENSE        <- package/LICENSE

bootstrap ${BOOTSTRAP_VERSION}
  license: $(cd bootstrap/package && node -p 'require("./package.json").license')
  tarball sha256: $(sha "$BOOTSTRAP_TGZ")
  bootstrap/bootstrap.min.css <- package/dist/css/bootstrap.min.css (sourceMappingURL line removed)  sha256 $(sha "$VENDOR/bootstrap/bootstrap.min.css")
  bootstrap/LICENSE           <- package/LICENSE
TXT

echo "vendored htmx.org ${HTMX_VERSION} and bootstrap ${BOOTSTRAP_VERSION} into ${VENDOR}"
