# Sourced by the other scripts: sets PNPM to a pnpm of the pinned version, installing none globally.
PNPM_VERSION=12.4.2
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
  PNPM=pnpm
else
  PNPM="npx --yes pnpm@$PNPM_VERSION"
fi
export PNPM
