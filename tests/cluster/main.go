package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Main runs the tests of a package that uses the harness and returns the
// exit code: call it from TestMain as os.Exit(cluster.Main(m)). After the
// tests it removes the binary Bin built, and fails the run when a FUSE mount
// made by this test binary is still there (it is lazily unmounted).
func Main(m *testing.M) int {
	code := m.Run()
	mounts.Lock()
	var left []string
	for mnt := range mounts.m {
		left = append(left, mnt)
	}
	mounts.Unlock()
	for _, mnt := range left {
		if !inMountinfo(mnt) {
			continue
		}
		fmt.Fprintf(os.Stderr, "cluster: leftover FUSE mount %s: unmounting lazily\n", mnt)
		_ = exec.Command("umount", "-l", mnt).Run()
		code = 1
	}
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	return code
}
