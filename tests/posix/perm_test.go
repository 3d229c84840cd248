package posix

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func permChecks() []check {
	return []check{
		{"file_classes", permFileClasses},
		{"dir_search", permDirSearch},
		{"dir_write", permDirWrite},
		{"exec", permExec},
		{"chmod_chown_eperm", permChmodChown},
		{"setid_cleared", permSetidCleared},
		{"sticky", permSticky},
		{"rename_dir_needs_write", permRenameDirNeedsWrite},
		{"setgid_dir", permSetgidDir},
		{"access", permAccess},
		{"text_busy", permTextBusy},
	}
}

// permFileClasses: exactly one class of the mode applies: owner, else
// group, else other, even when another class would allow more.
func permFileClasses(t *testing.T, d string) {
	cases := []struct {
		mode     uint32
		uid, gid int
		read     bool
		write    bool
	}{
		{0o600, 0, 0, false, false},
		{0o604, 0, 0, true, false},
		{0o606, 0, 0, true, true},
		{0o640, 0, nogroup, true, false},
		{0o660, 0, nogroup, true, true},
		{0o604, 0, nogroup, false, false}, // group class applies, and has nothing
		{0o066, nobody, 0, false, false},  // owner class applies, and has nothing
		{0o200, nobody, 0, false, true},   // owner may write only
		{0o400, nobody, nogroup, true, false},
		{0o000, nobody, nogroup, false, false},
	}
	for i, c := range cases {
		p := j(d, fmt.Sprintf("f%d", i))
		create(t, p, 0o644)
		chown(t, p, c.uid, c.gid)
		chmod(t, p, c.mode)
	}
	ch := asNobody(t)
	for i, c := range cases {
		p := j(d, fmt.Sprintf("f%d", i))
		what := fmt.Sprintf("mode %#o owner %d:%d", c.mode, c.uid, c.gid)
		for _, x := range []struct {
			flags int
			ok    bool
		}{{unix.O_RDONLY, c.read}, {unix.O_WRONLY, c.write}, {unix.O_RDWR, c.read && c.write}} {
			fd, err := ch.open(p, x.flags, 0)
			call := op("uid 65534: open", what, flagString(x.flags))
			if x.ok {
				if wantOK(t, err, call) {
					ch.do(request{Op: "close", Fd: fd})
				}
			} else {
				wantErr(t, err, call, unix.EACCES)
			}
		}
		if !c.write {
			_, err := ch.open(p, unix.O_RDONLY|unix.O_TRUNC, 0)
			wantErr(t, err, op("uid 65534: open", what, "O_RDONLY|O_TRUNC"), unix.EACCES)
		}
		r := ch.do(request{Op: "truncate", Path: p, Len: 0})
		if c.write {
			wantOK(t, r.err(), op("uid 65534: truncate", what))
		} else {
			wantErr(t, r.err(), op("uid 65534: truncate", what), unix.EACCES)
		}
	}
}

// permDirSearch: a path needs search (x) permission on every directory in
// it; listing needs read permission.
func permDirSearch(t *testing.T, d string) {
	for _, c := range []struct {
		name string
		mode uint32
	}{{"rwx", 0o755}, {"x", 0o711}, {"r", 0o744}, {"none", 0o700}} {
		dir := j(d, c.name)
		mkdir(t, dir, 0o755)
		writeFile(t, j(dir, "f"), []byte("x"))
		chmod(t, dir, c.mode)
	}
	ch := asNobody(t)
	for _, c := range []struct {
		name          string
		search, list  bool
		searchErrWant unix.Errno
	}{
		{"rwx", true, true, 0},
		{"x", true, false, 0},
		{"r", false, true, unix.EACCES},
		{"none", false, false, unix.EACCES},
	} {
		dir := j(d, c.name)
		err := ch.call("stat", j(dir, "f"))
		if c.search {
			wantOK(t, err, op("uid 65534: stat", c.name+"-only dir/f"))
			fd, err := ch.open(j(dir, "f"), unix.O_RDONLY, 0)
			if wantOK(t, err, op("uid 65534: open", c.name+"-only dir/f")) {
				ch.do(request{Op: "close", Fd: fd})
			}
		} else {
			wantErr(t, err, op("uid 65534: stat", c.name+"-only dir/f"), c.searchErrWant)
			_, err := ch.open(j(dir, "f"), unix.O_RDONLY, 0)
			wantErr(t, err, op("uid 65534: open", c.name+"-only dir/f"), unix.EACCES)
		}
		err = ch.call("opendir", dir)
		if c.list {
			wantOK(t, err, op("uid 65534: opendir", c.name+"-only dir"))
		} else {
			wantErr(t, err, op("uid 65534: opendir", c.name+"-only dir"), unix.EACCES)
		}
	}
	// Deeper: the denial comes from any level.
	mkdir(t, j(d, "a"), 0o700)
	mkdir(t, j(d, "a", "b"), 0o777)
	create(t, j(d, "a", "b", "f"), 0o666)
	wantErr(t, ch.call("stat", j(d, "a", "b", "f")), op("uid 65534: stat", "0700 dir/0777 dir/file"), unix.EACCES)
	wantErr(t, ch.do(request{Op: "mkdir", Path: j(d, "a", "b", "new"), Mode: 0o755}).err(),
		op("uid 65534: mkdir", "0700 dir/0777 dir/new"), unix.EACCES)
}

// permDirWrite: creating, removing and renaming entries needs write and
// search permission on the directory.
func permDirWrite(t *testing.T, d string) {
	for _, c := range []struct {
		name string
		mode uint32
	}{{"ro", 0o755}, {"wonly", 0o722}, {"rw", 0o777}} {
		dir := j(d, c.name)
		mkdir(t, dir, 0o755)
		create(t, j(dir, "victim"), 0o644)
		create(t, j(dir, "victim2"), 0o644)
		chmod(t, dir, c.mode)
	}
	mkdir(t, j(d, "free"), 0o755)
	chmod(t, j(d, "free"), 0o777)
	ch := asNobody(t)
	for _, c := range []struct {
		name string
		ok   bool
	}{{"ro", false}, {"wonly", false}, {"rw", true}} {
		dir := j(d, c.name)
		ops := []struct {
			call string
			err  error
		}{
			{"create", func() error {
				fd, err := ch.open(j(dir, "new"), unix.O_CREAT|unix.O_WRONLY, 0o644)
				if err == nil {
					ch.do(request{Op: "close", Fd: fd})
				}
				return err
			}()},
			{"mkdir", ch.do(request{Op: "mkdir", Path: j(dir, "newdir"), Mode: 0o755}).err()},
			{"mkfifo", ch.do(request{Op: "mknod", Path: j(dir, "fifo"), Mode: unix.S_IFIFO | 0o644}).err()},
			{"symlink", ch.do(request{Op: "symlink", Path: "x", Path2: j(dir, "sym")}).err()},
			{"unlink", ch.call("unlink", j(dir, "victim"))},
			{"rename within", ch.call("rename", j(dir, "victim2"), j(dir, "renamed"))},
			{"rename out", ch.call("rename", j(dir, "new"), j(d, "free", "moved"))},
		}
		for _, o := range ops {
			call := op("uid 65534: "+o.call, fmt.Sprintf("in a root dir %s", c.name))
			switch {
			case c.ok:
				wantOK(t, o.err, call)
			case o.call != "rename out": // "new" exists only where creating was allowed
				wantErr(t, o.err, call, unix.EACCES)
			}
		}
	}
	// Moving into a directory without write permission.
	create(t, j(d, "free", "mine"), 0o644)
	chown(t, j(d, "free", "mine"), nobody, nogroup)
	wantErr(t, ch.call("rename", j(d, "free", "mine"), j(d, "ro", "mine")), op("uid 65534: rename", "into a root 0755 dir"), unix.EACCES)
	wantErr(t, ch.call("link", j(d, "free", "mine"), j(d, "ro", "mine")), op("uid 65534: link", "into a root 0755 dir"), unix.EACCES)
	wantOK(t, lstatErr(j(d, "ro", "victim")), op("lstat", "ro/victim"))
}

// permExec: execve needs an execute bit for the caller's class; root needs
// one in any class. The file system must not be mounted noexec.
func permExec(t *testing.T, d string) {
	script := []byte("#!/bin/sh\nexit 7\n")
	for _, c := range []struct {
		name string
		mode uint32
	}{{"all", 0o755}, {"owner", 0o744}, {"none", 0o644}} {
		p := j(d, c.name)
		writeFile(t, p, script)
		chmod(t, p, c.mode)
	}
	run := func(p string) (int, error) {
		err := exec.Command(p).Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), nil
		}
		return 0, err
	}
	if code, err := run(j(d, "all")); wantOK(t, err, op("root: exec", "0755 script")) && code != 7 {
		t.Errorf("0755 script exited %d, want 7", code)
	}
	if code, err := run(j(d, "owner")); wantOK(t, err, op("root: exec", "0744 script")) && code != 7 {
		t.Errorf("0744 script exited %d, want 7", code)
	}
	_, err := run(j(d, "none"))
	wantErr(t, err, op("root: exec", "0644 script"), unix.EACCES)
	ch := asNobody(t)
	r := ch.do(request{Op: "exec", Path: j(d, "all")})
	if wantOK(t, r.err(), op("uid 65534: exec", "0755 script")) && r.N != 7 {
		t.Errorf("0755 script run by uid 65534 exited %d, want 7", r.N)
	}
	wantErr(t, ch.do(request{Op: "exec", Path: j(d, "owner")}).err(), op("uid 65534: exec", "root's 0744 script"), unix.EACCES)
	// A binary, not only a script.
	if sh, err := os.ReadFile("/bin/true"); err == nil {
		writeFile(t, j(d, "true"), sh)
		chmod(t, j(d, "true"), 0o755)
		if code, err := run(j(d, "true")); wantOK(t, err, op("root: exec", "copy of /bin/true")) && code != 0 {
			t.Errorf("copy of /bin/true exited %d", code)
		}
	}
}

// permChmodChown: only the owner may chmod; only root may give a file away;
// the owner may change the group only to one of its groups.
func permChmodChown(t *testing.T, d string) {
	create(t, j(d, "root"), 0o666)
	chmod(t, j(d, "root"), 0o666)
	create(t, j(d, "mine"), 0o644)
	chown(t, j(d, "mine"), nobody, nogroup)
	ch := asNobody(t)
	wantErr(t, ch.do(request{Op: "chmod", Path: j(d, "root"), Mode: 0o600}).err(), op("uid 65534: chmod", "root's file"), unix.EPERM)
	wantOK(t, ch.do(request{Op: "chmod", Path: j(d, "mine"), Mode: 0o600}).err(), op("uid 65534: chmod", "own file"))
	wantErr(t, ch.do(request{Op: "chown", Path: j(d, "root"), Uid: nobody, Gid: -1}).err(), op("uid 65534: chown", "root's file", "65534"), unix.EPERM)
	wantErr(t, ch.do(request{Op: "chown", Path: j(d, "mine"), Uid: 0, Gid: -1}).err(), op("uid 65534: chown", "own file", "to root"), unix.EPERM)
	wantErr(t, ch.do(request{Op: "chown", Path: j(d, "mine"), Uid: 1000, Gid: -1}).err(), op("uid 65534: chown", "own file", "to 1000"), unix.EPERM)
	wantErr(t, ch.do(request{Op: "chown", Path: j(d, "mine"), Uid: -1, Gid: 0}).err(), op("uid 65534: chown", "own file", "group 0"), unix.EPERM)
	wantOK(t, ch.do(request{Op: "chown", Path: j(d, "mine"), Uid: nobody, Gid: nogroup}).err(), op("uid 65534: chown", "own file", "to itself"))
	if st := lstat(t, j(d, "mine")); st.Uid != nobody || st.Gid != nogroup || st.Mode&0o777 != 0o600 {
		t.Errorf("own file after chmod/chown by uid 65534: owner %d:%d mode %#o", st.Uid, st.Gid, st.Mode&0o777)
	}
	if st := lstat(t, j(d, "root")); st.Uid != 0 || st.Mode&0o777 != 0o666 {
		t.Errorf("root's file after refused chmod/chown: owner %d mode %#o", st.Uid, st.Mode&0o777)
	}
	// With a supplementary group, the owner may give the file that group,
	// and keeps S_ISGID when it sets it.
	sup := asNobody(t, 1234)
	wantOK(t, sup.do(request{Op: "chown", Path: j(d, "mine"), Uid: -1, Gid: 1234}).err(), op("uid 65534 (groups 1234): chown", "own file", "group 1234"))
	wantErr(t, sup.do(request{Op: "chown", Path: j(d, "mine"), Uid: -1, Gid: 4321}).err(), op("uid 65534 (groups 1234): chown", "own file", "group 4321"), unix.EPERM)
	wantOK(t, sup.do(request{Op: "chmod", Path: j(d, "mine"), Mode: 0o2750}).err(), op("uid 65534 (groups 1234): chmod", "own file of group 1234", "02750"))
	if st := lstat(t, j(d, "mine")); st.Gid != 1234 || st.Mode&0o7777 != 0o2750 {
		t.Errorf("after chgrp 1234 and chmod 02750 by a member of 1234: gid %d mode %#o, want 1234 02750", st.Gid, st.Mode&0o7777)
	}
}

// permSetidCleared: chmod by an owner outside the file's group drops
// S_ISGID; a write by another user drops S_ISUID (and S_ISGID with group
// execute) — Linux's VFS does both on every file system.
func permSetidCleared(t *testing.T, d string) {
	create(t, j(d, "mine"), 0o644)
	chown(t, j(d, "mine"), nobody, 0)
	create(t, j(d, "suid"), 0o644)
	chmod(t, j(d, "suid"), 0o6777)
	ch := asNobody(t)
	wantOK(t, ch.do(request{Op: "chmod", Path: j(d, "mine"), Mode: 0o2755}).err(), op("uid 65534: chmod", "own file, group root", "02755"))
	if m := lstat(t, j(d, "mine")).Mode & 0o7777; m != 0o755 {
		t.Errorf("chmod 02755 by an owner outside the file's group: mode %#o, want 0755 (S_ISGID dropped)", m)
	}
	fd, err := ch.open(j(d, "suid"), unix.O_WRONLY, 0)
	if wantOK(t, err, op("uid 65534: open", "root's 06777 file", "O_WRONLY")) {
		wantOK(t, ch.do(request{Op: "write", Fd: fd, Data: []byte("x"), Off: -1}).err(), op("uid 65534: write", "root's 06777 file"))
		ch.do(request{Op: "close", Fd: fd})
		if m := lstat(t, j(d, "suid")).Mode & 0o7777; m != 0o777 {
			t.Errorf("root's 06777 file after a write by uid 65534: mode %#o, want 0777 (set-id bits dropped)", m)
		}
	}
}

// permSticky: in a sticky directory only the file's owner, the directory's
// owner or root may remove or rename an entry.
func permSticky(t *testing.T, d string) {
	for _, c := range []struct {
		name     string
		dirOwner int
	}{{"rootdir", 0}, {"nobodydir", nobody}} {
		dir := j(d, c.name)
		mkdir(t, dir, 0o755)
		chmod(t, dir, 0o1777)
		chown(t, dir, c.dirOwner, 0)
		for _, f := range []struct {
			name string
			uid  int
		}{{"others", 1000}, {"others2", 1000}, {"mine", nobody}, {"mine2", nobody}} {
			create(t, j(dir, f.name), 0o666)
			chown(t, j(dir, f.name), f.uid, f.uid)
		}
		mkdir(t, j(dir, "othersdir"), 0o777)
		chown(t, j(dir, "othersdir"), 1000, 1000)
	}
	ch := asNobody(t)
	rd := j(d, "rootdir")
	wantErr(t, ch.call("unlink", j(rd, "others")), op("uid 65534: unlink", "another user's file in a sticky root dir"), unix.EPERM)
	wantErr(t, ch.call("rename", j(rd, "others2"), j(rd, "taken")), op("uid 65534: rename", "another user's file in a sticky root dir"), unix.EPERM, unix.EACCES)
	wantErr(t, ch.call("rmdir", j(rd, "othersdir")), op("uid 65534: rmdir", "another user's dir in a sticky root dir"), unix.EPERM)
	wantErr(t, ch.call("rename", j(rd, "mine"), j(rd, "others")), op("uid 65534: rename", "own file over another user's in a sticky dir"), unix.EPERM, unix.EACCES)
	wantOK(t, ch.call("unlink", j(rd, "mine")), op("uid 65534: unlink", "own file in a sticky root dir"))
	wantOK(t, ch.call("rename", j(rd, "mine2"), j(rd, "mine3")), op("uid 65534: rename", "own file in a sticky root dir"))
	for _, n := range []string{"others", "others2", "othersdir"} {
		wantOK(t, lstatErr(j(rd, n)), op("lstat", n+" after refused removals"))
	}
	nd := j(d, "nobodydir")
	wantOK(t, ch.call("unlink", j(nd, "others")), op("uid 65534: unlink", "another user's file in its own sticky dir"))
	wantOK(t, ch.call("rmdir", j(nd, "othersdir")), op("uid 65534: rmdir", "another user's dir in its own sticky dir"))
	// Root may do anything.
	wantOK(t, unix.Unlink(j(rd, "others")), op("root: unlink", "another user's file in a sticky dir"))
}

// permRenameDirNeedsWrite: moving a directory to another parent rewrites
// its "..", so a non-owner needs write permission on it (pjdfstest
// rename/09); renaming it within its parent does not.
func permRenameDirNeedsWrite(t *testing.T, d string) {
	a, b := j(d, "a"), j(d, "b")
	mkdir(t, a, 0o755)
	mkdir(t, b, 0o755)
	chown(t, a, nobody, nogroup)
	chown(t, b, nobody, nogroup)
	mkdir(t, j(a, "rootsub"), 0o755)
	ch := asNobody(t)
	wantErr(t, ch.call("rename", j(a, "rootsub"), j(b, "rootsub")), op("uid 65534: rename", "root's 0755 dir to another parent"), unix.EACCES, unix.EPERM)
	wantOK(t, ch.call("rename", j(a, "rootsub"), j(a, "renamed")), op("uid 65534: rename", "root's 0755 dir within its parent"))
	chmod(t, j(a, "renamed"), 0o777)
	wantOK(t, ch.call("rename", j(a, "renamed"), j(b, "moved")), op("uid 65534: rename", "root's 0777 dir to another parent"))
}

// permSetgidDir: new entries in a set-group-ID directory take its group,
// and subdirectories its set-group-ID bit; a creator outside that group
// cannot set S_ISGID on its file.
func permSetgidDir(t *testing.T, d string) {
	dir := j(d, "sgid")
	mkdir(t, dir, 0o755)
	chown(t, dir, 0, 1234)
	chmod(t, dir, 0o2777)
	create(t, j(dir, "f"), 0o644)
	mkdir(t, j(dir, "sub"), 0o755)
	if st := lstat(t, j(dir, "f")); st.Gid != 1234 || st.Mode&0o7777 != 0o644 {
		t.Errorf("file in a setgid dir: gid %d mode %#o, want gid 1234 mode 0644", st.Gid, st.Mode&0o7777)
	}
	if st := lstat(t, j(dir, "sub")); st.Gid != 1234 || st.Mode&0o7777 != 0o2755 {
		t.Errorf("subdirectory of a setgid dir: gid %d mode %#o, want gid 1234 mode 02755", st.Gid, st.Mode&0o7777)
	}
	symlink(t, "x", j(dir, "sym"))
	if st := lstat(t, j(dir, "sym")); st.Gid != 1234 {
		t.Errorf("symlink in a setgid dir: gid %d, want 1234", st.Gid)
	}
	ch := asNobody(t)
	fd, err := ch.open(j(dir, "byNobody"), unix.O_CREAT|unix.O_WRONLY, 0o2755)
	if wantOK(t, err, op("uid 65534: create", "in a 02777 dir of group 1234", "mode 02755")) {
		ch.do(request{Op: "close", Fd: fd})
		if st := lstat(t, j(dir, "byNobody")); st.Uid != nobody || st.Gid != 1234 || st.Mode&0o7777 != 0o755 {
			t.Errorf("file made 02755 by uid 65534 (not in group 1234) in a setgid dir: owner %d:%d mode %#o, want 65534:1234 0755",
				st.Uid, st.Gid, st.Mode&0o7777)
		}
	}
	// In an ordinary directory the creator's group is used.
	mkdir(t, j(d, "plain"), 0o777)
	chmod(t, j(d, "plain"), 0o777)
	chown(t, j(d, "plain"), 0, 1234)
	fd, err = ch.open(j(d, "plain", "f"), unix.O_CREAT|unix.O_WRONLY, 0o644)
	if wantOK(t, err, op("uid 65534: create", "in a 0777 dir of group 1234")) {
		ch.do(request{Op: "close", Fd: fd})
		if st := lstat(t, j(d, "plain", "f")); st.Uid != nobody || st.Gid != nogroup {
			t.Errorf("file created by 65534:65534 in a plain dir: owner %d:%d", st.Uid, st.Gid)
		}
	}
}

// permAccess: access(2) for uid 65534 agrees with the mode.
func permAccess(t *testing.T, d string) {
	for _, c := range []struct {
		mode uint32
		r, w bool
		x    bool
	}{{0o644, true, false, false}, {0o600, false, false, false}, {0o755, true, false, true}, {0o666, true, true, false}, {0o711, false, false, true}} {
		p := j(d, fmt.Sprintf("f%o", c.mode))
		create(t, p, 0o644)
		chmod(t, p, c.mode)
	}
	ch := asNobody(t)
	for _, c := range []struct {
		mode uint32
		r, w bool
		x    bool
	}{{0o644, true, false, false}, {0o600, false, false, false}, {0o755, true, false, true}, {0o666, true, true, false}, {0o711, false, false, true}} {
		p := j(d, fmt.Sprintf("f%o", c.mode))
		for _, m := range []struct {
			bit  uint32
			name string
			ok   bool
		}{{unix.R_OK, "R_OK", c.r}, {unix.W_OK, "W_OK", c.w}, {unix.X_OK, "X_OK", c.x}} {
			err := ch.do(request{Op: "access", Path: p, Mode: m.bit}).err()
			call := op("uid 65534: access", fmt.Sprintf("root's %#o file", c.mode), m.name)
			if m.ok {
				wantOK(t, err, call)
			} else {
				wantErr(t, err, call, unix.EACCES)
			}
		}
	}
}

// permTextBusy: a program being executed cannot be opened for writing nor
// truncated (ETXTBSY); once it exits, it can.
func permTextBusy(t *testing.T, d string) {
	bin, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep(1)")
	}
	data, err := os.ReadFile(bin)
	must(t, err, "read sleep(1)")
	p := j(d, "sleeper")
	writeFile(t, p, data)
	chmod(t, p, 0o755)
	cmd := exec.Command(p, "600")
	must(t, cmd.Start(), op("exec", "sleeper"))
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	within(t, 10*time.Second, "the program to be running", func() error {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid))
		if err != nil || exe != p {
			return fmt.Errorf("/proc/PID/exe is %q (%v)", exe, err)
		}
		return nil
	})
	_, err = unix.Open(p, unix.O_WRONLY, 0)
	wantErr(t, err, op("open", "running program", "O_WRONLY"), unix.ETXTBSY)
	wantErr(t, unix.Truncate(p, 0), op("truncate", "running program"), unix.ETXTBSY)
	cmd.Process.Kill()
	cmd.Wait()
	fd, err := unix.Open(p, unix.O_WRONLY, 0)
	if wantOK(t, err, op("open", "program that exited", "O_WRONLY")) {
		unix.Close(fd)
	}
}
