package posix

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/tests/cluster"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(childMain())
	}
	// Modes in the checks assume the usual umask; the umask check sets its
	// own in a child.
	unix.Umask(0o022)
	code := cluster.Main(m)
	removeChildBinary()
	os.Exit(code)
}

// A check is one assertion set; it gets a fresh, empty directory.
type check struct {
	name string
	fn   func(t *testing.T, dir string)
}

type group struct {
	name   string
	checks []check
}

// suite lists every group of checks, one file each.
func suite() []group {
	return []group{
		{"stat", statChecks()},
		{"attr", attrChecks()},
		{"open", openChecks()},
		{"io", ioChecks()},
		{"dir", dirChecks()},
		{"rename", renameChecks()},
		{"link", linkChecks()},
		{"symlink", symlinkChecks()},
		{"special", specialChecks()},
		{"readdir", readdirChecks()},
		{"statfs", statfsChecks()},
		{"xattr", xattrChecks()},
		{"acl", aclChecks()},
		{"fallocate", fallocateChecks()},
		{"sparse", sparseChecks()},
		{"times", timesChecks()},
		{"openfiles", openFileChecks()},
		{"mmap", mmapChecks()},
		{"perm", permChecks()},
		{"names", nameChecks()},
		{"lock", lockChecks()},
		{"append", appendChecks()},
	}
}

// runSuite runs every check against root, each in its own directory
// root/@GROUP.CHECK, removed afterwards.
func runSuite(t *testing.T, root string) {
	for _, g := range suite() {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.checks {
				t.Run(c.name, func(t *testing.T) {
					dir := j(root, "@"+g.name+"."+c.name)
					must(t, unix.Mkdir(dir, 0o755), op("mkdir", dir))
					must(t, unix.Chmod(dir, 0o755), op("chmod", dir))
					t.Cleanup(func() {
						if err := os.RemoveAll(dir); err != nil {
							t.Errorf("removing the check's directory: %v", err)
						}
					})
					c.fn(t, dir)
				})
			}
		})
	}
}

// requireRoot: the suite creates devices, gives files away and runs
// children as uid 65534, which takes root.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv(cluster.EnvRequireFUSE) == "1" {
		t.Fatalf("the POSIX suite needs root (euid %d)", os.Geteuid())
	}
	t.Skipf("the POSIX suite needs root (euid %d)", os.Geteuid())
}

// TestLocal runs the suite on the local disk: the suite's own validation.
func TestLocal(t *testing.T) {
	requireRoot(t)
	runSuite(t, cluster.TempDir(t))
}

// TestMortar runs the suite on a 3-brick distributed mortar mount.
func TestMortar(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 3)
	mnt := cluster.Mount(t, bricks, 1)
	runSuite(t, mnt)
}

// TestDir runs the suite in the directory named by MORTAR_POSIX_DIR, to
// compare with another file system.
func TestDir(t *testing.T) {
	dir := os.Getenv("MORTAR_POSIX_DIR")
	if dir == "" {
		t.Skip("MORTAR_POSIX_DIR not set")
	}
	requireRoot(t)
	root, err := os.MkdirTemp(dir, "posix-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	must(t, os.Chmod(root, 0o755), "chmod")
	runSuite(t, root)
}
