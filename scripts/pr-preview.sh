#!/usr/bin/env bash
# Preview diff for a pull request, with no credentials: plans every example stack config offline on the base
# ref and on the working tree (head), and prints one Markdown document (post it as the PR comment).
#   usage: scripts/pr-preview.sh <base-ref> [stacks/Pulumi.<stack>.yaml ...]
# The base is checked out in a temporary git worktree that shares this checkout's node_modules.
set -euo pipefail
base_ref=${1:?usage: scripts/pr-preview.sh <base-ref> [stack files...]}
shift || true
root=$(git rev-parse --show-toplevel)
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
tmp=$(mktemp -d)
cleanup() { git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

git worktree add --detach "$tmp/base" "$base_ref" >/dev/null 2>&1
ln -s "$root/node_modules" "$tmp/base/node_modules"
base_built=1
(cd "$tmp/base" && tsc -p . >/dev/null 2>&1) || base_built=0
[ -f "$tmp/base/dist/automation/cli/main.js" ] || base_built=0
tsc -p . >/dev/null

files=("$@")
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(ls stacks/Pulumi.*.yaml)
echo "## Basphere preview against \`$base_ref\`"
echo
for f in "${files[@]}"; do
  name=$(basename "$f")
  node dist/automation/cli/main.js plan --json --config "$f" > "$tmp/head.json" 2> "$tmp/head.err" || {
    echo "### \`$name\`: plan failed on head"; echo; echo '```'; cat "$tmp/head.err"; echo '```'; echo; continue; }
  args=(--head "$tmp/head.json")
  if [ "$base_built" = 1 ] && [ -f "$tmp/base/$f" ] &&
     (cd "$tmp/base" && node dist/automation/cli/main.js plan --json --config "$f" > "$tmp/base.json" 2>/dev/null); then
    args+=(--base "$tmp/base.json")
  fi
  node dist/automation/cli/main.js preview-diff "${args[@]}"
  echo
done
