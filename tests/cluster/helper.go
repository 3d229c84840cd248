package cluster

import (
	"os"
	"path/filepath"
	"testing"
)

// HelperPath is where mount(8) looks for the mount helper of type mortar.
const HelperPath = "/sbin/mount.mortar"

// InstallHelper makes HelperPath run the binary under test for the rest
// of the test, so that `mount -t mortar` and fstab lines reach it: it makes
// the symlink when there is none, and points an existing symlink (from
// make install) at the binary until the test ends. A regular file there
// is not touched: the test is skipped (failed with MORTAR_REQUIRE_FUSE=1).
func InstallHelper(t testing.TB) {
	t.Helper()
	RequireFUSE(t)
	bin := Bin(t)
	st, err := os.Lstat(HelperPath)
	switch {
	case os.IsNotExist(err):
		if err := os.Symlink(bin, HelperPath); err != nil {
			t.Fatalf("mount helper: %v", err)
		}
		t.Cleanup(func() { _ = os.Remove(HelperPath) })
	case err != nil:
		t.Fatalf("mount helper: %v", err)
	case st.Mode()&os.ModeSymlink == 0:
		skipOrFail(t, HelperPath+" is a regular file, not the symlink make install makes: not replaced")
	default:
		old, err := os.Readlink(HelperPath)
		if err != nil {
			t.Fatal(err)
		}
		if resolved, _ := filepath.EvalSymlinks(HelperPath); resolved == bin {
			return
		}
		tmp := HelperPath + ".test"
		if err := os.Symlink(bin, tmp); err != nil {
			t.Fatalf("mount helper: %v", err)
		}
		if err := os.Rename(tmp, HelperPath); err != nil {
			t.Fatalf("mount helper: %v", err)
		}
		t.Cleanup(func() {
			if err := os.Symlink(old, tmp); err == nil {
				_ = os.Rename(tmp, HelperPath)
			}
		})
	}
}

func skipOrFail(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv(EnvRequireFUSE) == "1" {
		t.Fatalf("%s (%s=1 makes this a failure)", reason, EnvRequireFUSE)
	}
	t.Skip(reason)
}
