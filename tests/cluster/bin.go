package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Environment variables the harness reads.
const (
	EnvBin         = "MORTAR_BIN"
	EnvRequireFUSE = "MORTAR_REQUIRE_FUSE"
)

const modulePath = "github.com/mortarfs/mortar"

var build struct {
	once sync.Once
	dir  string // temp dir holding the built binary; removed by Main
	bin  string
	err  error
}

// Bin returns the mortar binary under test: $MORTAR_BIN if set, else
// ./cli/mortar built once per test binary into a temporary directory.
func Bin(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvBin); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatalf("%s=%s: %v", EnvBin, p, err)
		}
		if fi, err := os.Stat(abs); err != nil || fi.Mode()&0o111 == 0 {
			t.Fatalf("%s=%s is not an executable file (%v)", EnvBin, p, err)
		}
		return abs
	}
	build.once.Do(func() { build.bin, build.err = buildBin() })
	if build.err != nil {
		t.Fatalf("building mortar: %v", build.err)
	}
	return build.bin
}

func buildBin() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "mortar-bin-")
	if err != nil {
		return "", err
	}
	build.dir = dir
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "mortar")
	gobin := "go"
	if p, err := exec.LookPath("go"); err == nil {
		gobin = p
	} else if g := filepath.Join(os.Getenv("GOROOT"), "bin", "go"); fileExists(g) {
		gobin = g
	}
	cmd := exec.Command(gobin, "build", "-o", bin, "./cli/mortar")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cli/mortar in %s: %v\n%s", root, err, out)
	}
	return bin, nil
}

// moduleRoot finds the directory of mortar's go.mod, walking up from the
// working directory (go test runs a test in its package's directory).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isMortarModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of " + modulePath + " above the working directory")
		}
		dir = parent
	}
}

func isMortarModule(gomod string) bool {
	f, err := os.Open(gomod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == modulePath
		}
	}
	return false
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// RequireFUSE skips the test unless it can mount FUSE file systems: it must
// run as root and /dev/fuse must open. With MORTAR_REQUIRE_FUSE=1 (CI) a
// missing prerequisite fails the test instead, so that a green run always
// means the FUSE tests ran.
func RequireFUSE(t testing.TB) {
	t.Helper()
	reason := fuseMissing()
	if reason == "" {
		return
	}
	if os.Getenv(EnvRequireFUSE) == "1" {
		t.Fatalf("FUSE tests cannot run: %s (%s=1 makes this a failure)", reason, EnvRequireFUSE)
	}
	t.Skipf("FUSE tests skipped: %s (needs root and /dev/fuse; set %s=1 to fail instead)", reason, EnvRequireFUSE)
}

func fuseMissing() string {
	if os.Geteuid() != 0 {
		return fmt.Sprintf("not root (euid %d)", os.Geteuid())
	}
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		return fmt.Sprintf("cannot open /dev/fuse: %v", err)
	}
	f.Close()
	for _, prog := range []string{"umount"} {
		if _, err := exec.LookPath(prog); err != nil {
			return fmt.Sprintf("%s not found in PATH", prog)
		}
	}
	return ""
}

// TempDir returns a new temporary directory, removed after the test, that
// every user can search: t.TempDir's directories are 0700, which would turn
// every check made as an unprivileged user into EACCES.
func TempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatalf("chmod %s: %v", d, err)
		}
	}
	return dir
}
