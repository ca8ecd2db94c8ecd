#!/usr/bin/env bash
# Generates TypeScript from proto/ with buf + ts-proto (both from node_modules).
# --check: regenerate into a temp copy and fail if the committed output differs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/codec/proto
if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  sed "s#out: $out#out: $tmp/out#" buf.gen.yaml >"$tmp/buf.gen.yaml"
  npx buf generate --template "$tmp/buf.gen.yaml"
  if ! diff -r "$tmp/out" "$out"; then
    echo "generated protobuf code in $out is out of date: run npm run proto:gen" >&2
    exit 1
  fi
  echo "protobuf codegen up to date"
else
  npx buf lint
  npx buf generate
fi
