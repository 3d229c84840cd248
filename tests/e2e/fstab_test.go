package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/volfile/volfiletest"
	"github.com/mortarfs/mortar/tests/cluster"
)

// TestMountTypeMortar: mount(8) runs mount.mortar for -t mortar, with
// its generic options, and for an fstab line with _netdev (mount -a over
// an alternate fstab); umount(8) unmounts and the mount daemon exits.
func TestMountTypeMortar(t *testing.T) {
	cluster.InstallHelper(t)
	bricks := cluster.StartBricks(t, 1)
	srv := volfiletest.New(t, distVolfile(t, "www", bricks, nil))
	source := srv.Addr() + ":/www"

	mnt, log := cluster.NewMountpoint(t)
	r := cluster.Run(t, time.Minute, "", "mount", "-t", "mortar", "-o", "defaults,noatime,log-file="+log, source, mnt)
	if r.Code != 0 {
		t.Fatalf("mount -t mortar: %s", r)
	}
	cluster.TrackMount(t, mnt)
	if err := os.WriteFile(filepath.Join(mnt, "by-type"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cluster.Unmount(t, mnt)

	fstabMnt, fstabLog := cluster.NewMountpoint(t)
	fstab := filepath.Join(t.TempDir(), "fstab")
	line := fmt.Sprintf("# mortar volumes\n%s %s mortar defaults,_netdev,nofail,log-file=%s 0 0\n", source, fstabMnt, fstabLog)
	if err := os.WriteFile(fstab, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	r = cluster.Run(t, time.Minute, "", "mount", "-a", "-T", fstab)
	if r.Code != 0 {
		t.Fatalf("mount -a -T %s: %s", fstab, r)
	}
	cluster.TrackMount(t, fstabMnt)
	got, err := os.ReadFile(filepath.Join(fstabMnt, "by-type"))
	if err != nil || string(got) != "x" {
		t.Fatalf("through the fstab mount: %q, %v", got, err)
	}
	mounts, _ := os.ReadFile("/proc/self/mounts")
	if !strings.Contains(string(mounts), source+" "+fstabMnt+" fuse.mortar ") {
		t.Errorf("/proc/self/mounts has no %q line for %s", source, fstabMnt)
	}
	cluster.Unmount(t, fstabMnt)
}
