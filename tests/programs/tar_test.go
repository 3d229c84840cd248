package programs

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// goSrc is the tree the tar test copies: the Go toolchain's own sources.
func goSrc(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	root := strings.TrimSpace(string(out))
	if err != nil || root == "" {
		root = "/usr/local/go"
	}
	src := filepath.Join(root, "src")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("no Go source tree: %v", err)
	}
	return src
}

// TestTarGoSource extracts a tarball of the Go source tree onto the mount:
// tar exits 0, diff -r finds no difference, every file's type, mode, size,
// mtime and symlink target match; rm -rf removes it all.
func TestTarGoSource(t *testing.T) {
	need(t, "tar", "diff")
	src := goSrc(t)
	mnt := target(t)
	local := t.TempDir()
	archive := filepath.Join(local, "src.tar")
	command{}.run(t, "tar", "-C", filepath.Dir(src), "-cf", archive, "src")

	command{}.run(t, "tar", "-C", mnt, "-xf", archive)
	if out, err := (command{}).output("diff", "-r", "--no-dereference", src, filepath.Join(mnt, "src")); err != nil {
		t.Fatalf("diff -r %s against the extracted copy: %v\n%s", src, err, tail(out, 60))
	}
	compareTrees(t, src, filepath.Join(mnt, "src"), true)

	// tar archives it back from the mount with the same entries.
	back := filepath.Join(local, "back.tar")
	command{}.run(t, "tar", "-C", mnt, "-cf", back, "src")
	want := sortedLines(command{}.run(t, "tar", "-tvf", archive))
	got := sortedLines(command{}.run(t, "tar", "-tvf", back))
	if want != got {
		t.Errorf("tar -tv of an archive made from the mount differs from the original's:\n%s", firstLineDiff(got, want))
	}

	command{}.run(t, "rm", "-rf", filepath.Join(mnt, "src"))
	if ents, err := os.ReadDir(mnt); err != nil || len(ents) != 0 {
		names := make([]string, len(ents))
		for i, e := range ents {
			names[i] = e.Name()
		}
		t.Errorf("after rm -rf: %v (%v), want an empty directory", names, err)
	}
}

// compareTrees walks want and checks that got holds the same entries with
// the same type, permission bits, size, symlink target and (if mtimes)
// modification time to the second.
func compareTrees(t *testing.T, want, got string, mtimes bool) {
	t.Helper()
	var errs []string
	seen := map[string]bool{}
	err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		seen[rel] = true
		var ws, gs syscall.Stat_t
		if err := syscall.Lstat(p, &ws); err != nil {
			return err
		}
		if err := syscall.Lstat(filepath.Join(got, rel), &gs); err != nil {
			errs = append(errs, rel+": "+err.Error())
			return nil
		}
		switch {
		case ws.Mode != gs.Mode:
			errs = append(errs, rel+": mode "+octal(gs.Mode)+", want "+octal(ws.Mode))
		case ws.Mode&syscall.S_IFMT == syscall.S_IFREG && ws.Size != gs.Size:
			errs = append(errs, rel+": size differs")
		case mtimes && ws.Mode&syscall.S_IFMT != syscall.S_IFDIR && ws.Mtim.Sec != gs.Mtim.Sec:
			errs = append(errs, rel+": mtime differs")
		}
		if ws.Mode&syscall.S_IFMT == syscall.S_IFLNK {
			wl, _ := os.Readlink(p)
			gl, err := os.Readlink(filepath.Join(got, rel))
			if err != nil || wl != gl {
				errs = append(errs, rel+": symlink target "+gl+", want "+wl)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", want, err)
	}
	err = filepath.WalkDir(got, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err.Error())
			return nil
		}
		if rel, _ := filepath.Rel(got, p); !seen[rel] {
			errs = append(errs, rel+": not in the original")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", got, err)
	}
	if len(errs) > 0 {
		if len(errs) > 30 {
			errs = append(errs[:30], "...")
		}
		t.Errorf("%d differences between %s and %s:\n%s", len(errs), want, got, strings.Join(errs, "\n"))
	}
}

func octal(m uint32) string { return "0" + strconv.FormatUint(uint64(m), 8) }

func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// firstLineDiff shows the first line where got and want differ.
func firstLineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "got:  " + gl + "\nwant: " + wl
		}
	}
	return "(same)"
}
