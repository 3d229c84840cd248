package programs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// makeTree builds a tree with what rsync -aHAX must carry: nested
// directories, empty and large files, odd modes and past mtimes, hard links
// (in one directory and across directories), symlinks (relative, absolute,
// dangling, to a directory), a fifo, a device node, user xattrs and an ACL.
func makeTree(t *testing.T, root string) {
	t.Helper()
	mk := func(p string, data []byte, mode os.FileMode) {
		t.Helper()
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 200; i++ {
		mk(fmt.Sprintf("d%d/e%d/f%03d", i%5, i%3, i), []byte(strings.Repeat(fmt.Sprint(i), i*13)), 0o644)
	}
	mk("empty", nil, 0o600)
	big := make([]byte, 3<<20+17)
	for i := range big {
		big[i] = byte(i * 7)
	}
	mk("big", big, 0o640)
	mk("exec", []byte("#!/bin/sh\n"), 0o755)
	mk("setuid", []byte("x"), 0o4755)
	mk("odd mode", []byte("x"), 0o421)
	mk("links/a", []byte("hard linked"), 0o644)
	must(t, os.Link(filepath.Join(root, "links/a"), filepath.Join(root, "links/b")))
	must(t, os.Link(filepath.Join(root, "links/a"), filepath.Join(root, "d1/c")))
	must(t, os.Symlink("a", filepath.Join(root, "links/rel")))
	must(t, os.Symlink("/etc/hostname", filepath.Join(root, "links/abs")))
	must(t, os.Symlink("nowhere", filepath.Join(root, "links/dangling")))
	must(t, os.Symlink("../d2", filepath.Join(root, "links/todir")))
	must(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644))
	must(t, syscall.Mknod(filepath.Join(root, "null"), syscall.S_IFCHR|0o666, 1<<8|3))
	must(t, os.Chown(filepath.Join(root, "d3"), 1000, 2000))
	must(t, os.Lchown(filepath.Join(root, "links/rel"), 1001, 2001))
	must(t, syscall.Setxattr(filepath.Join(root, "big"), "user.origin", []byte("rsync test"), 0))
	must(t, syscall.Setxattr(filepath.Join(root, "d0"), "user.dir", []byte{0, 1, 2}, 0))
	if out, err := exec.Command("setfacl", "-m", "u:65534:r", filepath.Join(root, "empty")).CombinedOutput(); err != nil {
		t.Fatalf("setfacl: %v: %s", err, out)
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	must(t, os.Chtimes(filepath.Join(root, "d4"), old, old))
	must(t, os.Chtimes(filepath.Join(root, "big"), old, old))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rsyncFlags: archive, hard links, ACLs, xattrs, sparse files.
var rsyncFlags = []string{"-aHAX", "--numeric-ids"}

// TestRsync copies a tree onto the mount with rsync -aHAX, then checks with
// a checksumming dry run that rsync sees nothing left to do; again after
// changing the source and syncing with --delete.
func TestRsync(t *testing.T) {
	need(t, "rsync", "setfacl")
	mnt := target(t)
	src := filepath.Join(t.TempDir(), "src")
	makeTree(t, src)
	dst := filepath.Join(mnt, "dst")

	sync := func(round string) {
		t.Helper()
		command{}.run(t, "rsync", append(rsyncFlags, "--delete", src+"/", dst+"/")...)
		out := command{}.run(t, "rsync", append(rsyncFlags, "-c", "--delete", "--dry-run", "--itemize-changes", src+"/", dst+"/")...)
		if strings.TrimSpace(out) != "" {
			t.Errorf("%s: rsync -c --dry-run --itemize-changes after syncing reports changes:\n%s", round, tail(out, 40))
		}
		compareTrees(t, src, dst, true)
	}
	sync("first copy")

	// Hard links are hard links on the mount.
	var a, b, c syscall.Stat_t
	must(t, syscall.Lstat(filepath.Join(dst, "links/a"), &a))
	must(t, syscall.Lstat(filepath.Join(dst, "links/b"), &b))
	must(t, syscall.Lstat(filepath.Join(dst, "d1/c"), &c))
	if a.Ino != b.Ino || a.Ino != c.Ino || a.Nlink != 3 {
		t.Errorf("hard links on the mount: inodes %d %d %d nlink %d, want one inode with nlink 3", a.Ino, b.Ino, c.Ino, a.Nlink)
	}
	if out := (command{}).run(t, "getfacl", "-n", "-p", filepath.Join(dst, "empty")); !strings.Contains(out, "user:65534:r--") {
		t.Errorf("ACL not copied: getfacl shows\n%s", out)
	}

	// Change the source: edit, delete, add, re-link, chmod; sync again.
	must(t, os.WriteFile(filepath.Join(src, "d0/e0/f000"), []byte("changed, same size? no"), 0o644))
	must(t, os.RemoveAll(filepath.Join(src, "d2")))
	must(t, os.Remove(filepath.Join(src, "links/b")))
	must(t, os.Link(filepath.Join(src, "big"), filepath.Join(src, "links/b")))
	must(t, os.Chmod(filepath.Join(src, "exec"), 0o700))
	must(t, os.MkdirAll(filepath.Join(src, "new/deep/er"), 0o755))
	must(t, os.WriteFile(filepath.Join(src, "new/deep/er/file"), []byte("new"), 0o644))
	sync("incremental copy")
}
