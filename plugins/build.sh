#!/usr/bin/env bash
# Rebuilds every example plugin into testdata/plugins/ and records the hashes
# of their sources in testdata/plugins/SOURCES.sha256 (udf's tests fail when a
# source no longer matches, i.e. when a prebuilt .wasm is stale).
#
# Needs Go, and clang, wasm-ld and wat2wasm for the C and WAT examples:
#   apt-get update && apt-get install -y clang lld wabt
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out=testdata/plugins
mkdir -p "$out/bad" "$out/wat"

for tool in clang wasm-ld wat2wasm go; do
	command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install -y clang lld wabt)" >&2; exit 1; }
done

# C: one module per .c file; the manifest JSON beside it is embedded with .incbin,
# so clang runs in the source's directory.
cflags=(--target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--strip-debug -I "$root/plugins/sdk/c")
build_c() { # src.c out.wasm
	(cd "$(dirname "$1")" && clang "${cflags[@]}" -o "$root/$2" "$(basename "$1")" "$root/plugins/sdk/c/velort.c")
	echo "built $2"
}
for src in plugins/examples/c/*.c; do
	build_c "$src" "$out/c_$(basename "$src" .c).wasm"
done
for src in plugins/examples/c/bad/*.c; do
	build_c "$src" "$out/bad/$(basename "$src" .c).wasm"
done

# WAT: test modules without a manifest, for the rewriter's tests.
for src in plugins/examples/wat/*.wat; do
	wat2wasm --debug-names -o "$out/wat/$(basename "$src" .wat).wasm" "$src"
	echo "built $out/wat/$(basename "$src" .wat).wasm"
done

# Go: one module per directory.
for dir in plugins/examples/go/*/; do
	name="$(basename "$dir")"
	GOOS=wasip1 GOARCH=wasm go build -trimpath -buildmode=c-shared -ldflags=-w -o "$out/$name.wasm" "./$dir"
	echo "built $out/$name.wasm"
done

# The same file set as udf's stale-plugin test: everything under the SDKs and
# examples (tests and dot-files excluded) plus this script.
{
	echo plugins/build.sh
	find plugins/sdk plugins/examples -type f ! -name '*_test.go' ! -name '.*'
} | LC_ALL=C sort | xargs sha256sum >"$out/SOURCES.sha256"
echo "wrote $out/SOURCES.sha256"
