package udf

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestPrebuiltPluginsFresh fails when a plugin source no longer matches the
// hash recorded by plugins/build.sh, i.e. when testdata/plugins/*.wasm is
// stale. It needs only Go, so it runs in CI.
func TestPrebuiltPluginsFresh(t *testing.T) {
	root := ".."
	f, err := os.Open(filepath.Join(plugins, "SOURCES.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recorded := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, path, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		recorded[path] = sum
	}

	current := []string{"plugins/build.sh"}
	for _, dir := range []string{"plugins/sdk", "plugins/examples"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && !strings.HasSuffix(p, "_test.go") && !strings.HasPrefix(d.Name(), ".") {
				rel, _ := filepath.Rel(root, p)
				current = append(current, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(current)

	var stale []string
	for _, p := range current {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		switch want, ok := recorded[p]; {
		case !ok:
			stale = append(stale, p+" is new")
		case want != hex.EncodeToString(sum[:]):
			stale = append(stale, p+" changed")
		}
		delete(recorded, p)
	}
	for p := range recorded {
		stale = append(stale, p+" was removed")
	}
	// Every example has its prebuilt module.
	outputs := map[string]string{"plugins/examples/c/*.c": "c_%s.wasm", "plugins/examples/c/bad/*.c": "bad/%s.wasm",
		"plugins/examples/wat/*.wat": "wat/%s.wasm", "plugins/examples/go/*/main.go": "%s.wasm"}
	for pattern, out := range outputs {
		srcs, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, src := range srcs {
			name := strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
			if name == "main" {
				name = filepath.Base(filepath.Dir(src))
			}
			wasm := strings.Replace(out, "%s", name, 1)
			if _, err := os.Stat(plugin(wasm)); err != nil {
				stale = append(stale, "testdata/plugins/"+wasm+" is missing")
			}
		}
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		t.Errorf("testdata/plugins is stale: run plugins/build.sh\n\t%s", strings.Join(stale, "\n\t"))
	}
}
