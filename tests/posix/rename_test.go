package posix

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func renameChecks() []check {
	return []check{
		{"types", renameTypes},
		{"hardlinked_source", renameHardlinkedSource},
		{"across_dirs", renameAcrossDirs},
		{"dir", renameDir},
		{"over_file", renameOverFile},
		{"over_linked_file", renameOverLinkedFile},
		{"over_open_file", renameOverOpenFile},
		{"over_empty_dir", renameOverEmptyDir},
		{"over_nonempty_dir", renameOverNonEmptyDir},
		{"type_mismatch", renameTypeMismatch},
		{"noreplace", renameNoreplace},
		{"same_inode", renameSameInode},
		{"errors", renameErrors},
		{"ctime", renameCtime},
		{"many", renameMany},
	}
}

// renameTypes: every type keeps its inode number, type and mode under its
// new name; the old name is gone.
func renameTypes(t *testing.T, d string) {
	for _, typ := range allTypes {
		a, b := j(d, typ+"-a"), j(d, typ+"-b")
		mkType(t, a, typ)
		st := lstat(t, a)
		if !wantOK(t, unix.Rename(a, b), op("rename", short(a), short(b))) {
			continue
		}
		wantErr(t, lstatErr(a), op("lstat", short(a)+" after rename"), unix.ENOENT)
		nst := lstat(t, b)
		if nst.Ino != st.Ino || nst.Mode != st.Mode || nst.Rdev != st.Rdev {
			t.Errorf("rename(%s): ino %d mode %#o rdev %#x, was ino %d mode %#o rdev %#x", typ, nst.Ino, nst.Mode, nst.Rdev, st.Ino, st.Mode, st.Rdev)
		}
	}
	writeFile(t, j(d, "data"), []byte("content"))
	must(t, unix.Rename(j(d, "data"), j(d, "data2")), "rename")
	wantContent(t, j(d, "data2"), []byte("content"))
	target, _ := readlink(j(d, "symlink-b"))
	if target != "target-of-symlink-a" {
		t.Errorf("renamed symlink points to %q, want %q", target, "target-of-symlink-a")
	}
}

func readlink(p string) (string, error) {
	buf := make([]byte, 8192)
	n, err := unix.Readlink(p, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// renameHardlinkedSource: renaming one name of a file with two leaves the
// other and the link count alone.
func renameHardlinkedSource(t *testing.T, d string) {
	for _, typ := range nonDirTypes {
		n0, n1, n2 := j(d, typ+"0"), j(d, typ+"1"), j(d, typ+"2")
		mkType(t, n1, typ)
		ino := lstat(t, n1).Ino
		if !wantOK(t, unix.Link(n1, n0), op("link", short(n1), short(n0))) {
			continue
		}
		must(t, unix.Rename(n1, n2), op("rename", short(n1), short(n2)))
		wantErr(t, lstatErr(n1), op("lstat", short(n1)), unix.ENOENT)
		for _, p := range []string{n0, n2} {
			if st := lstat(t, p); st.Ino != ino || st.Nlink != 2 {
				t.Errorf("%s after renaming the other link: ino %d nlink %d, want ino %d nlink 2", short(p), st.Ino, st.Nlink, ino)
			}
		}
	}
}

// renameAcrossDirs: files moved between directories (many names, so that a
// distributed volume moves them to names on other servers) keep inode and
// content; both directories list exactly what they hold.
func renameAcrossDirs(t *testing.T, d string) {
	src, dst := j(d, "src"), j(d, "dst")
	mkdir(t, src, 0o755)
	mkdir(t, dst, 0o755)
	const n = 60
	inos := map[string]uint64{}
	var names []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("file%02d", i)
		writeFile(t, j(src, name), []byte(name))
		inos[name] = lstat(t, j(src, name)).Ino
		names = append(names, name)
	}
	var moved, kept []string
	for i, name := range names {
		if i%3 == 0 {
			kept = append(kept, name)
			continue
		}
		newName := "moved-" + name
		must(t, unix.Rename(j(src, name), j(dst, newName)), op("rename", "src/"+name, "dst/"+newName))
		moved = append(moved, newName)
	}
	for _, name := range moved {
		p := j(dst, name)
		wantContent(t, p, []byte(name[len("moved-"):]))
		if st := lstat(t, p); st.Ino != inos[name[len("moved-"):]] {
			t.Errorf("%s: ino %d after the move, was %d", name, st.Ino, inos[name[len("moved-"):]])
		}
	}
	wantContentNames(t, src, kept)
	wantContentNames(t, dst, moved)
	// And back under the original names.
	for _, name := range moved {
		must(t, unix.Rename(j(dst, name), j(src, name[len("moved-"):])), "rename back")
	}
	wantContentNames(t, src, names)
	wantContentNames(t, dst, nil)
	for _, name := range names {
		wantContent(t, j(src, name), []byte(name))
	}
}

// renameDir: a directory moves with its content; its ".." follows, and the
// parents' link counts move with it.
func renameDir(t *testing.T, d string) {
	mkdir(t, j(d, "a"), 0o755)
	mkdir(t, j(d, "b"), 0o755)
	mkdir(t, j(d, "a", "x"), 0o755)
	mkdir(t, j(d, "a", "x", "sub"), 0o755)
	for i := 0; i < 20; i++ {
		writeFile(t, j(d, "a", "x", fmt.Sprintf("f%d", i)), []byte(fmt.Sprint(i)))
	}
	aN, bN := lstat(t, j(d, "a")).Nlink, lstat(t, j(d, "b")).Nlink
	xIno := lstat(t, j(d, "a", "x")).Ino
	must(t, unix.Rename(j(d, "a", "x"), j(d, "b", "y")), op("rename", "a/x", "b/y"))
	wantErr(t, lstatErr(j(d, "a", "x")), op("lstat", "a/x after rename"), unix.ENOENT)
	if st := lstat(t, j(d, "b", "y")); st.Ino != xIno {
		t.Errorf("moved directory ino %d, was %d", st.Ino, xIno)
	}
	if got := lstat(t, j(d, "b", "y")+"/..").Ino; got != lstat(t, j(d, "b")).Ino {
		t.Errorf("b/y/.. is ino %d, want b's %d", got, lstat(t, j(d, "b")).Ino)
	}
	if got := lstat(t, j(d, "a")).Nlink; got != aN-1 {
		t.Errorf("old parent nlink %d, want %d", got, aN-1)
	}
	if got := lstat(t, j(d, "b")).Nlink; got != bN+1 {
		t.Errorf("new parent nlink %d, want %d", got, bN+1)
	}
	for i := 0; i < 20; i++ {
		wantContent(t, j(d, "b", "y", fmt.Sprintf("f%d", i)), []byte(fmt.Sprint(i)))
	}
	var want []string
	for i := 0; i < 20; i++ {
		want = append(want, fmt.Sprintf("f%d", i))
	}
	wantContentNames(t, j(d, "b", "y"), append(want, "sub"))
	// New files in the moved directory.
	writeFile(t, j(d, "b", "y", "new"), []byte("new"))
	wantContent(t, j(d, "b", "y", "new"), []byte("new"))
	// Renamed within its parent.
	must(t, unix.Rename(j(d, "b", "y"), j(d, "b", "z")), "rename")
	wantContent(t, j(d, "b", "z", "f3"), []byte("3"))
}

// renameOverFile: a file replaces another of any type but directory
// atomically: the new name has the source's inode and content.
func renameOverFile(t *testing.T, d string) {
	for _, typ := range nonDirTypes {
		src, dst := j(d, "src-"+typ), j(d, "dst-"+typ)
		writeFile(t, src, []byte("source"))
		mkType(t, dst, typ)
		ino := lstat(t, src).Ino
		if !wantOK(t, unix.Rename(src, dst), op("rename", "regular file", "existing "+typ)) {
			continue
		}
		wantErr(t, lstatErr(src), op("lstat", "source after rename"), unix.ENOENT)
		if st := lstat(t, dst); st.Ino != ino || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Nlink != 1 {
			t.Errorf("after replacing a %s: ino %d (want %d) mode %#o nlink %d", typ, st.Ino, ino, st.Mode, st.Nlink)
		}
		wantContent(t, dst, []byte("source"))
	}
	// Other types replace a regular file too.
	for _, typ := range []string{"fifo", "symlink", "socket"} {
		src, dst := j(d, "s2-"+typ), j(d, "d2-"+typ)
		mkType(t, src, typ)
		writeFile(t, dst, []byte("x"))
		if wantOK(t, unix.Rename(src, dst), op("rename", typ, "existing regular file")) {
			if got := typeName(lstat(t, dst).Mode); got != typ {
				t.Errorf("after replacing a regular file with a %s: %s", typ, got)
			}
		}
	}
	wantContentNames(t, d, []string{"dst-regular", "dst-fifo", "dst-socket", "dst-char", "dst-block", "dst-symlink",
		"d2-fifo", "d2-symlink", "d2-socket"})
}

// renameOverLinkedFile: the replaced file has another hard link: that link
// survives with nlink decreased and its ctime changed (pjdfstest
// rename/23).
func renameOverLinkedFile(t *testing.T, d string) {
	for _, typ := range []string{"regular", "fifo", "socket", "char", "block"} {
		src, dst, dstlnk := j(d, typ+"-src"), j(d, typ+"-dst"), j(d, typ+"-dstlnk")
		mkType(t, src, typ)
		mkType(t, dst, typ)
		if typ == "regular" {
			writeFile(t, dst, []byte("replaced"))
		}
		must(t, unix.Link(dst, dstlnk), op("link", short(dst), short(dstlnk)))
		before := lstat(t, dstlnk)
		tick(t)
		if !wantOK(t, unix.Rename(src, dst), op("rename", short(src), short(dst)+" (which has another link)")) {
			continue
		}
		st := lstat(t, dstlnk)
		if st.Nlink != 1 || st.Ino != before.Ino {
			t.Errorf("%s: the other link of the replaced file: ino %d nlink %d, want ino %d nlink 1", typ, st.Ino, st.Nlink, before.Ino)
		}
		wantNewer(t, typ+": ctime of the replaced file's other link", before.Ctim, st.Ctim)
		if typ == "regular" {
			wantContent(t, dstlnk, []byte("replaced"))
		}
	}
}

// renameOverOpenFile: a file replaced while open stays readable and
// writable through its descriptor.
func renameOverOpenFile(t *testing.T, d string) {
	writeFile(t, j(d, "old"), []byte("old content"))
	writeFile(t, j(d, "new"), []byte("new content"))
	fd := open(t, j(d, "old"), unix.O_RDWR, 0)
	defer closeFd(t, fd)
	must(t, unix.Rename(j(d, "new"), j(d, "old")), "rename")
	if got := preadFull(t, fd, 100, 0); string(got) != "old content" {
		t.Errorf("replaced file through its open descriptor: %q, want %q", got, "old content")
	}
	pwriteAll(t, fd, []byte("OLD"), 0)
	if got := preadFull(t, fd, 100, 0); string(got) != "OLD content" {
		t.Errorf("replaced file written through its descriptor: %q", got)
	}
	if st := fstat(t, fd); st.Nlink != 0 {
		t.Errorf("replaced file's nlink %d, want 0", st.Nlink)
	}
	wantContent(t, j(d, "old"), []byte("new content"))
}

// renameOverEmptyDir: a directory replaces an empty directory.
func renameOverEmptyDir(t *testing.T, d string) {
	mkdir(t, j(d, "src"), 0o755)
	writeFile(t, j(d, "src", "f"), []byte("f"))
	mkdir(t, j(d, "dst"), 0o755)
	ino := lstat(t, j(d, "src")).Ino
	n := lstat(t, d).Nlink
	if !wantOK(t, unix.Rename(j(d, "src"), j(d, "dst")), op("rename", "dir", "empty dir")) {
		return
	}
	if st := lstat(t, j(d, "dst")); st.Ino != ino {
		t.Errorf("replaced directory has ino %d, want the source's %d", st.Ino, ino)
	}
	wantContent(t, j(d, "dst", "f"), []byte("f"))
	if got := lstat(t, d).Nlink; got != n-1 {
		t.Errorf("parent nlink after a directory replaced another: %d, want %d", got, n-1)
	}
	wantContentNames(t, d, []string{"dst"})
}

// renameOverNonEmptyDir: never over a directory that holds anything; both
// stay as they were. One entry, under many names (so, on a distributed
// volume, on each server in turn).
func renameOverNonEmptyDir(t *testing.T, d string) {
	mkdir(t, j(d, "src"), 0o755)
	for i := 0; i < 10; i++ {
		dst := j(d, fmt.Sprintf("dst%d", i))
		mkdir(t, dst, 0o755)
		entry := j(dst, fmt.Sprintf("entry%d", i))
		writeFile(t, entry, []byte("keep"))
		wantErr(t, unix.Rename(j(d, "src"), dst), op("rename", "dir", "dir holding one file"), unix.ENOTEMPTY, unix.EEXIST)
		wantContent(t, entry, []byte("keep"))
		wantOK(t, lstatErr(j(d, "src")), op("lstat", "src after the failed rename"))
	}
	mkdir(t, j(d, "dsub"), 0o755)
	mkdir(t, j(d, "dsub", "sub"), 0o755)
	wantErr(t, unix.Rename(j(d, "src"), j(d, "dsub")), op("rename", "dir", "dir holding a subdirectory"), unix.ENOTEMPTY, unix.EEXIST)
}

// renameTypeMismatch: a directory cannot replace a non-directory (ENOTDIR)
// nor the reverse (EISDIR).
func renameTypeMismatch(t *testing.T, d string) {
	mkdir(t, j(d, "dir"), 0o755)
	mkdir(t, j(d, "emptydir"), 0o755)
	for _, typ := range nonDirTypes {
		p := j(d, typ)
		mkType(t, p, typ)
		wantErr(t, unix.Rename(j(d, "dir"), p), op("rename", "dir", typ), unix.ENOTDIR)
		wantErr(t, unix.Rename(p, j(d, "emptydir")), op("rename", typ, "empty dir"), unix.EISDIR)
		if st := lstat(t, p); typeName(st.Mode) != typ {
			t.Errorf("%s after failed renames: %s", typ, typeName(st.Mode))
		}
	}
	wantContentNames(t, j(d, "emptydir"), nil)
}

// renameNoreplace: RENAME_NOREPLACE fails with EEXIST on any existing
// target and changes nothing; onto a free name it renames.
func renameNoreplace(t *testing.T, d string) {
	writeFile(t, j(d, "src"), []byte("src"))
	for _, typ := range allTypes {
		p := j(d, typ)
		mkType(t, p, typ)
		err := unix.Renameat2(unix.AT_FDCWD, j(d, "src"), unix.AT_FDCWD, p, unix.RENAME_NOREPLACE)
		wantErr(t, err, op("renameat2", "src", typ, "RENAME_NOREPLACE"), unix.EEXIST)
		if st := lstat(t, p); typeName(st.Mode) != typ {
			t.Errorf("target %s after a refused RENAME_NOREPLACE: %s", typ, typeName(st.Mode))
		}
	}
	wantContent(t, j(d, "src"), []byte("src"))
	err := unix.Renameat2(unix.AT_FDCWD, j(d, "src"), unix.AT_FDCWD, j(d, "free"), unix.RENAME_NOREPLACE)
	if wantOK(t, err, op("renameat2", "src", "free name", "RENAME_NOREPLACE")) {
		wantContent(t, j(d, "free"), []byte("src"))
		wantErr(t, lstatErr(j(d, "src")), op("lstat", "src"), unix.ENOENT)
	}
	mkdir(t, j(d, "d1"), 0o755)
	err = unix.Renameat2(unix.AT_FDCWD, j(d, "d1"), unix.AT_FDCWD, j(d, "d2"), unix.RENAME_NOREPLACE)
	wantOK(t, err, op("renameat2", "dir", "free name", "RENAME_NOREPLACE"))
}

// renameSameInode: when both names are links to one file, rename succeeds
// and does nothing (POSIX); renaming a name to itself too.
func renameSameInode(t *testing.T, d string) {
	writeFile(t, j(d, "a"), []byte("a"))
	must(t, unix.Link(j(d, "a"), j(d, "b")), "link")
	wantOK(t, unix.Rename(j(d, "a"), j(d, "b")), op("rename", "a", "b (a hard link of a)"))
	for _, n := range []string{"a", "b"} {
		if st := lstat(t, j(d, n)); st.Nlink != 2 {
			t.Errorf("%s after rename between two links of one file: nlink %d, want 2", n, st.Nlink)
		}
	}
	wantOK(t, unix.Rename(j(d, "a"), j(d, "a")), op("rename", "a", "a"))
	wantContent(t, j(d, "a"), []byte("a"))
	mkdir(t, j(d, "dir"), 0o755)
	wantOK(t, unix.Rename(j(d, "dir"), j(d, "dir")), op("rename", "dir", "dir"))
	wantContentNames(t, d, []string{"a", "b", "dir"})
}

func renameErrors(t *testing.T, d string) {
	mkdir(t, j(d, "dir"), 0o755)
	mkdir(t, j(d, "dir", "sub"), 0o755)
	create(t, j(d, "file"), 0o644)
	for _, c := range []struct {
		from, to string
		want     []unix.Errno
	}{
		{"missing", "x", []unix.Errno{unix.ENOENT}},
		{"file", "missing/x", []unix.Errno{unix.ENOENT}},
		{"dir", "dir/sub/inside", []unix.Errno{unix.EINVAL}},
		{"dir", "dir/inside", []unix.Errno{unix.EINVAL}},
		{"dir/.", "x", []unix.Errno{unix.EBUSY, unix.EINVAL}},
		{"dir/..", "x", []unix.Errno{unix.EBUSY, unix.EINVAL, unix.ENOTEMPTY}},
		{"file", "file/x", []unix.Errno{unix.ENOTDIR}},
		{"file/", "x", []unix.Errno{unix.ENOTDIR}},
		{"file", "y/", []unix.Errno{unix.ENOTDIR, unix.ENOENT}},
		{"dir/sub", "dir", []unix.Errno{unix.ENOTEMPTY, unix.EEXIST, unix.EINVAL}},
	} {
		wantErr(t, unix.Rename(d+"/"+c.from, d+"/"+c.to), op("rename", c.from, c.to), c.want...) // not j: keep "." and trailing slashes
	}
	wantContentNames(t, d, []string{"dir", "file"})
	wantContentNames(t, j(d, "dir"), []string{"sub"})
}

// renameCtime: rename changes the renamed object's ctime (pjdfstest
// rename/22), for every type.
func renameCtime(t *testing.T, d string) {
	for _, typ := range allTypes {
		src, dst := j(d, typ), j(d, typ+"-renamed")
		mkType(t, src, typ)
		before := lstat(t, src)
		tick(t)
		if wantOK(t, unix.Rename(src, dst), op("rename", typ)) {
			wantNewer(t, "ctime of a renamed "+typ, before.Ctim, lstat(t, dst).Ctim)
		}
	}
}

// renameMany: 300 files renamed in place then removed: the directory lists
// exactly the new names, and is empty (removable) afterwards. On a
// distributed volume most new names live on another server than the file.
func renameMany(t *testing.T, d string) {
	sub := j(d, "sub")
	mkdir(t, sub, 0o755)
	const n = 300
	var newNames []string
	for i := 0; i < n; i++ {
		writeFile(t, j(sub, fmt.Sprintf("old%03d", i)), []byte(fmt.Sprint(i)))
	}
	for i := 0; i < n; i++ {
		nn := fmt.Sprintf("new%03d", i)
		must(t, unix.Rename(j(sub, fmt.Sprintf("old%03d", i)), j(sub, nn)), "rename")
		newNames = append(newNames, nn)
	}
	wantContentNames(t, sub, newNames)
	for i := 0; i < n; i++ {
		wantContent(t, j(sub, newNames[i]), []byte(fmt.Sprint(i)))
	}
	// Rename some again, over each other.
	for i := 0; i+1 < n; i += 10 {
		must(t, unix.Rename(j(sub, newNames[i]), j(sub, newNames[i+1])), "rename over")
		wantContent(t, j(sub, newNames[i+1]), []byte(fmt.Sprint(i)))
	}
	for i := 0; i < n; i++ {
		if i%10 == 0 && i+1 < n {
			continue
		}
		wantOK(t, unix.Unlink(j(sub, newNames[i])), op("unlink", newNames[i]))
	}
	wantContentNames(t, sub, nil)
	wantOK(t, unix.Rmdir(sub), op("rmdir", "a directory whose files were all renamed then removed"))
}
