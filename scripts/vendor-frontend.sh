#!/usr/bin/env bash
# Rebuilds src/opennrm/static/vendor/ from the npm registry. Needs node and npm.
set -euo pipefail
GOVUK=5.14.0
HTMX=2.0.11
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund "govuk-frontend@$GOVUK" "htmx.org@$HTMX" "sass@1" >/dev/null
cat > unbranded.scss <<'SCSS'
$govuk-font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
$govuk-include-default-font-face: false;
$govuk-assets-path: "../assets/";
@import "node_modules/govuk-frontend/dist/govuk/index";
SCSS
g="$root/src/opennrm/static/vendor/govuk-frontend-$GOVUK"
h="$root/src/opennrm/static/vendor/htmx-$HTMX"
mkdir -p "$g" "$h"
npx sass --no-source-map --style=compressed --quiet-deps --silence-deprecation=import \
  unbranded.scss "$g/govuk-frontend.min.css"
sed 's|//# sourceMappingURL=.*$||' node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js \
  > "$g/govuk-frontend.min.js"
cp node_modules/htmx.org/dist/htmx.min.js "$h/"
cp node_modules/htmx.org/LICENSE "$h/"
echo "vendored govuk-frontend $GOVUK and htmx $HTMX"
