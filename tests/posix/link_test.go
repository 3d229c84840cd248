package posix

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func linkChecks() []check {
	return []check{
		{"nlink", linkNlink},
		{"types", linkTypes},
		{"across_dirs", linkAcrossDirs},
		{"errors", linkErrors},
		{"symlink_follow", linkSymlinkFollow},
	}
}

// linkNlink: each link adds one to nlink and changes ctime; all names are
// one inode; unlinking one leaves the others.
func linkNlink(t *testing.T, d string) {
	a, b, c := j(d, "a"), j(d, "b"), j(d, "c")
	writeFile(t, a, []byte("one"))
	ino := lstat(t, a).Ino
	for i, p := range []string{b, c} {
		before := lstat(t, a)
		tick(t)
		must(t, unix.Link(a, p), op("link", "a", short(p)))
		st := lstat(t, a)
		if st.Nlink != uint64(i+2) {
			t.Errorf("nlink after %d links: %d, want %d", i+1, st.Nlink, i+2)
		}
		wantNewer(t, "ctime after link", before.Ctim, st.Ctim)
		if pst := lstat(t, p); pst.Ino != ino || pst.Nlink != uint64(i+2) {
			t.Errorf("%s: ino %d nlink %d, want ino %d nlink %d", short(p), pst.Ino, pst.Nlink, ino, i+2)
		}
	}
	// Data written through one name is read through the others.
	fd := open(t, b, unix.O_WRONLY|unix.O_APPEND, 0)
	writeAll(t, fd, []byte(" two"))
	closeFd(t, fd)
	wantContent(t, c, []byte("one two"))
	// Attributes are shared.
	chmod(t, c, 0o600)
	if got := lstat(t, a).Mode & 0o777; got != 0o600 {
		t.Errorf("chmod through one link: another shows mode %#o", got)
	}
	before := lstat(t, b)
	tick(t)
	must(t, unix.Unlink(a), "unlink a")
	st := lstat(t, b)
	if st.Nlink != 2 {
		t.Errorf("nlink after unlinking one of 3 links: %d, want 2", st.Nlink)
	}
	wantNewer(t, "ctime after unlinking another link", before.Ctim, st.Ctim)
	must(t, unix.Unlink(c), "unlink c")
	if st := lstat(t, b); st.Nlink != 1 {
		t.Errorf("nlink after unlinking two of 3 links: %d, want 1", st.Nlink)
	}
	wantContent(t, b, []byte("one two"))
}

// linkTypes: hard links to every non-directory type.
func linkTypes(t *testing.T, d string) {
	for _, typ := range nonDirTypes {
		p, l := j(d, typ), j(d, typ+"-link")
		mkType(t, p, typ)
		if !wantOK(t, unix.Linkat(unix.AT_FDCWD, p, unix.AT_FDCWD, l, 0), op("link", typ)) {
			continue
		}
		st, lst := lstat(t, p), lstat(t, l)
		if st.Ino != lst.Ino || st.Nlink != 2 || lst.Nlink != 2 || typeName(lst.Mode) != typ {
			t.Errorf("link of a %s: ino %d/%d nlink %d/%d type %s", typ, st.Ino, lst.Ino, st.Nlink, lst.Nlink, typeName(lst.Mode))
		}
	}
}

// linkAcrossDirs: links in other directories, under other names (on a
// distributed volume, often on another server than the file), survive the
// removal of the original name.
func linkAcrossDirs(t *testing.T, d string) {
	mkdir(t, j(d, "a"), 0o755)
	mkdir(t, j(d, "b"), 0o755)
	const n = 40
	for i := 0; i < n; i++ {
		writeFile(t, j(d, "a", fmt.Sprintf("f%d", i)), []byte(fmt.Sprint(i)))
		must(t, unix.Link(j(d, "a", fmt.Sprintf("f%d", i)), j(d, "b", fmt.Sprintf("g%d", i))), "link")
	}
	for i := 0; i < n; i++ {
		must(t, unix.Unlink(j(d, "a", fmt.Sprintf("f%d", i))), "unlink")
	}
	wantContentNames(t, j(d, "a"), nil)
	for i := 0; i < n; i++ {
		p := j(d, "b", fmt.Sprintf("g%d", i))
		wantContent(t, p, []byte(fmt.Sprint(i)))
		if st := lstat(t, p); st.Nlink != 1 {
			t.Errorf("%s: nlink %d after its other name was removed, want 1", short(p), st.Nlink)
		}
	}
	wantOK(t, unix.Rmdir(j(d, "a")), op("rmdir", "a (whose files were all linked elsewhere, then unlinked)"))
}

func linkErrors(t *testing.T, d string) {
	create(t, j(d, "file"), 0o644)
	create(t, j(d, "other"), 0o644)
	mkdir(t, j(d, "dir"), 0o755)
	wantErr(t, unix.Link(j(d, "file"), j(d, "other")), op("link", "file", "existing file"), unix.EEXIST)
	wantErr(t, unix.Link(j(d, "file"), j(d, "dir")), op("link", "file", "existing dir"), unix.EEXIST)
	wantErr(t, unix.Link(j(d, "dir"), j(d, "dirlink")), op("link", "dir", "dirlink"), unix.EPERM)
	wantErr(t, unix.Link(j(d, "missing"), j(d, "x")), op("link", "missing", "x"), unix.ENOENT)
	wantErr(t, unix.Link(j(d, "file"), j(d, "missing", "x")), op("link", "file", "missing/x"), unix.ENOENT)
	wantErr(t, unix.Link(j(d, "file"), j(d, "file", "x")), op("link", "file", "file/x"), unix.ENOTDIR)
	if st := lstat(t, j(d, "file")); st.Nlink != 1 {
		t.Errorf("nlink after failed links: %d, want 1", st.Nlink)
	}
	wantContentNames(t, d, []string{"file", "other", "dir"})
}

// linkSymlinkFollow: linkat without flags links the symlink itself; with
// AT_SYMLINK_FOLLOW, its target.
func linkSymlinkFollow(t *testing.T, d string) {
	create(t, j(d, "target"), 0o644)
	symlink(t, "target", j(d, "sym"))
	if wantOK(t, unix.Linkat(unix.AT_FDCWD, j(d, "sym"), unix.AT_FDCWD, j(d, "l1"), 0), op("linkat", "sym", "l1", 0)) {
		if st := lstat(t, j(d, "l1")); st.Ino != lstat(t, j(d, "sym")).Ino || st.Mode&unix.S_IFMT != unix.S_IFLNK {
			t.Errorf("linkat without AT_SYMLINK_FOLLOW did not link the symlink itself")
		}
	}
	if wantOK(t, unix.Linkat(unix.AT_FDCWD, j(d, "sym"), unix.AT_FDCWD, j(d, "l2"), unix.AT_SYMLINK_FOLLOW), op("linkat", "sym", "l2", "AT_SYMLINK_FOLLOW")) {
		if st := lstat(t, j(d, "l2")); st.Ino != lstat(t, j(d, "target")).Ino {
			t.Errorf("linkat with AT_SYMLINK_FOLLOW did not link the target")
		}
	}
}
