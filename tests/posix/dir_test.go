package posix

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func dirChecks() []check {
	return []check{
		{"mkdir", dirMkdir},
		{"mkdir_errors", dirMkdirErrors},
		{"rmdir", dirRmdir},
		{"rmdir_not_empty", dirRmdirNotEmpty},
		{"unlink", dirUnlink},
		{"nlink", dirNlink},
		{"deep", dirDeep},
	}
}

// dirMkdir: a new directory has the requested mode, nlink 2, is empty, and
// bumps its parent's nlink.
func dirMkdir(t *testing.T, d string) {
	before := lstat(t, d).Nlink
	for i, mode := range []uint32{0o755, 0o700, 0o1777, 0o2755, 0o0} {
		p := j(d, fmt.Sprintf("d%d", i))
		if !wantOK(t, unix.Mkdir(p, mode), op("mkdir", short(p), fmt.Sprintf("%#o", mode))) {
			continue
		}
		st := lstat(t, p)
		// mkdir may drop S_ISGID (it is inherited, not requested); the rest
		// is mode &^ umask.
		if got, want := st.Mode&0o5777, mode&0o5777&^0o022; got != want || st.Mode&unix.S_IFMT != unix.S_IFDIR {
			t.Errorf("mkdir(%#o): mode %#o, want a directory with %#o", mode, st.Mode, want)
		}
		if st.Nlink != 2 {
			t.Errorf("mkdir: nlink %d, want 2", st.Nlink)
		}
	}
	if got := lstat(t, d).Nlink; got != before+5 {
		t.Errorf("parent nlink after 5 mkdirs: %d, want %d", got, before+5)
	}
	// A trailing slash names the directory to make.
	wantOK(t, unix.Mkdir(j(d, "slash")+"/", 0o755), op("mkdir", "slash/"))
	wantContentNames(t, j(d, "slash"), nil)
}

func dirMkdirErrors(t *testing.T, d string) {
	for _, typ := range allTypes {
		mkType(t, j(d, typ), typ)
		wantErr(t, unix.Mkdir(j(d, typ), 0o755), op("mkdir", "existing "+typ), unix.EEXIST)
	}
	symlink(t, "nowhere", j(d, "dangling"))
	wantErr(t, unix.Mkdir(j(d, "dangling"), 0o755), op("mkdir", "dangling symlink"), unix.EEXIST)
	wantErr(t, lstatErr(j(d, "nowhere")), op("lstat", "nowhere (mkdir must not follow)"), unix.ENOENT)
	wantErr(t, unix.Mkdir(j(d, "missing", "x"), 0o755), op("mkdir", "missing/x"), unix.ENOENT)
	wantErr(t, unix.Mkdir(j(d, "regular", "x"), 0o755), op("mkdir", "regular/x"), unix.ENOTDIR)
}

// dirRmdir: an empty directory goes, with its parent's nlink; the errors.
func dirRmdir(t *testing.T, d string) {
	mkdir(t, j(d, "e"), 0o755)
	before := lstat(t, d).Nlink
	wantOK(t, unix.Rmdir(j(d, "e")), op("rmdir", "e"))
	wantErr(t, lstatErr(j(d, "e")), op("lstat", "e after rmdir"), unix.ENOENT)
	if got := lstat(t, d).Nlink; got != before-1 {
		t.Errorf("parent nlink after rmdir: %d, want %d", got, before-1)
	}
	wantErr(t, unix.Rmdir(j(d, "e")), op("rmdir", "e again"), unix.ENOENT)
	create(t, j(d, "file"), 0o644)
	wantErr(t, unix.Rmdir(j(d, "file")), op("rmdir", "file"), unix.ENOTDIR)
	mkdir(t, j(d, "sub"), 0o755)
	wantErr(t, unix.Rmdir(j(d, "sub")+"/."), op("rmdir", "sub/."), unix.EINVAL)
	wantErr(t, unix.Rmdir(j(d, "sub")+"/.."), op("rmdir", "sub/.."), unix.ENOTEMPTY, unix.EEXIST)
	symlink(t, "sub", j(d, "link"))
	wantErr(t, unix.Rmdir(j(d, "link")), op("rmdir", "symlink to a directory"), unix.ENOTDIR)
	wantErr(t, unix.Rmdir(j(d, "file", "x")), op("rmdir", "file/x"), unix.ENOTDIR)
	// A directory emptied by unlinks can be removed.
	for i := 0; i < 30; i++ {
		create(t, j(d, "sub", fmt.Sprintf("f%d", i)), 0o644)
	}
	for i := 0; i < 30; i++ {
		must(t, unix.Unlink(j(d, "sub", fmt.Sprintf("f%d", i))), "unlink")
	}
	wantOK(t, unix.Rmdir(j(d, "sub")), op("rmdir", "sub (emptied)"))
}

// dirRmdirNotEmpty: a directory holding a single entry of any type, under
// any of many names (so that on a distributed volume the entry lives on
// each server in turn), cannot be removed.
func dirRmdirNotEmpty(t *testing.T, d string) {
	for i := 0; i < 12; i++ {
		for _, typ := range []string{"regular", "dir", "symlink", "fifo"} {
			sub := j(d, fmt.Sprintf("d%d-%s", i, typ))
			mkdir(t, sub, 0o755)
			entry := j(sub, fmt.Sprintf("entry-%d", i))
			mkType(t, entry, typ)
			wantErr(t, unix.Rmdir(sub), op("rmdir", short(sub)+" holding one "+typ), unix.ENOTEMPTY, unix.EEXIST)
			if wantOK(t, lstatErr(entry), op("lstat", short(entry)+" after the failed rmdir")) {
				rmType(t, entry, typ)
				wantOK(t, unix.Rmdir(sub), op("rmdir", short(sub)+" emptied"))
			}
		}
	}
}

// dirUnlink: unlink removes every type but directories (EISDIR), removes a
// symlink and not its target.
func dirUnlink(t *testing.T, d string) {
	for _, typ := range nonDirTypes {
		p := j(d, typ)
		mkType(t, p, typ)
		wantOK(t, unix.Unlink(p), op("unlink", typ))
		wantErr(t, lstatErr(p), op("lstat", typ+" after unlink"), unix.ENOENT)
	}
	mkdir(t, j(d, "dir"), 0o755)
	wantErr(t, unix.Unlink(j(d, "dir")), op("unlink", "dir"), unix.EISDIR)
	wantErr(t, unix.Unlink(j(d, "missing")), op("unlink", "missing"), unix.ENOENT)
	create(t, j(d, "target"), 0o644)
	symlink(t, "target", j(d, "link"))
	wantOK(t, unix.Unlink(j(d, "link")), op("unlink", "link"))
	wantOK(t, lstatErr(j(d, "target")), op("lstat", "target after unlinking a symlink to it"))
	wantErr(t, unix.Unlink(j(d, "target", "x")), op("unlink", "target/x"), unix.ENOTDIR)
	wantErr(t, unix.Unlink(j(d, "target")+"/"), op("unlink", "target/"), unix.ENOTDIR)
}

// dirNlink: a directory's nlink is 2 plus its subdirectories; files and
// other entries do not count.
func dirNlink(t *testing.T, d string) {
	mkdir(t, j(d, "p"), 0o755)
	p := j(d, "p")
	want := func(n uint64, after string) {
		t.Helper()
		if got := lstat(t, p).Nlink; got != n {
			t.Errorf("nlink of a directory after %s: %d, want %d", after, got, n)
		}
	}
	want(2, "mkdir")
	for i := 0; i < 5; i++ {
		mkdir(t, j(p, fmt.Sprintf("s%d", i)), 0o755)
	}
	want(7, "5 subdirectories")
	for _, typ := range nonDirTypes {
		mkType(t, j(p, typ), typ)
	}
	want(7, "adding non-directories")
	must(t, unix.Rmdir(j(p, "s0")), "rmdir")
	want(6, "rmdir of one subdirectory")
	mkdir(t, j(d, "q"), 0o755)
	must(t, unix.Rename(j(p, "s1"), j(d, "q", "s1")), "rename")
	want(5, "renaming a subdirectory out")
	if got := lstat(t, j(d, "q")).Nlink; got != 3 {
		t.Errorf("nlink of the directory a subdirectory moved into: %d, want 3", got)
	}
	must(t, unix.Rename(j(p, "s2"), j(p, "s2b")), "rename")
	want(5, "renaming a subdirectory within")
}

// dirDeep: a tree 40 levels deep, a file at each level.
func dirDeep(t *testing.T, d string) {
	p := d
	for i := 0; i < 40; i++ {
		p = j(p, fmt.Sprintf("level%02d", i))
		mkdir(t, p, 0o755)
		writeFile(t, j(p, "f"), []byte(fmt.Sprint(i)))
	}
	p = d
	for i := 0; i < 40; i++ {
		p = j(p, fmt.Sprintf("level%02d", i))
		wantContent(t, j(p, "f"), []byte(fmt.Sprint(i)))
	}
}
