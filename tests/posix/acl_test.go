package posix

import (
	"encoding/binary"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func aclChecks() []check {
	return []check{
		{"access", aclAccess},
		{"mask_and_chmod", aclMaskChmod},
		{"default", aclDefault},
		{"tools", aclTools},
	}
}

// POSIX ACL entries in the system.posix_acl_* xattr format (version 2).
const (
	aclUserObj  = 0x01
	aclUser     = 0x02
	aclGroupObj = 0x04
	aclGroup    = 0x08
	aclMask     = 0x10
	aclOther    = 0x20
	aclNoID     = 0xffffffff
)

type aclEntry struct {
	tag  uint16
	perm uint16
	id   uint32
}

// encodeACL builds the xattr value; entries must be in order (by tag, then
// id), as the kernel requires.
func encodeACL(entries ...aclEntry) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 2)
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint16(b, e.tag)
		b = binary.LittleEndian.AppendUint16(b, e.perm)
		b = binary.LittleEndian.AppendUint32(b, e.id)
	}
	return b
}

func decodeACL(b []byte) ([]aclEntry, error) {
	if len(b) < 4 || (len(b)-4)%8 != 0 || binary.LittleEndian.Uint32(b) != 2 {
		return nil, fmt.Errorf("not a version 2 ACL: %x", b)
	}
	var out []aclEntry
	for b = b[4:]; len(b) > 0; b = b[8:] {
		out = append(out, aclEntry{binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint16(b[2:]), binary.LittleEndian.Uint32(b[4:])})
	}
	return out, nil
}

// nobodyReadACL: owner rw, uid 65534 r, no one else; mask r.
func nobodyACL(userPerm, mask uint16) []byte {
	return encodeACL(
		aclEntry{aclUserObj, 6, aclNoID},
		aclEntry{aclUser, userPerm, nobody},
		aclEntry{aclGroupObj, 0, aclNoID},
		aclEntry{aclMask, mask, aclNoID},
		aclEntry{aclOther, 0, aclNoID},
	)
}

// aclAccess: a named-user entry grants uid 65534 what the mode denies, and
// no more; removing the ACL takes it back.
func aclAccess(t *testing.T, d string) {
	p := j(d, "f")
	writeFile(t, p, []byte("secret"))
	chmod(t, p, 0o600)
	c := asNobody(t)
	_, err := c.open(p, unix.O_RDONLY, 0)
	wantErr(t, err, op("uid 65534: open", "0600 root file", "O_RDONLY"), unix.EACCES)

	acl := nobodyACL(4, 4)
	if !wantOK(t, unix.Lsetxattr(p, "system.posix_acl_access", acl, 0), op("setxattr", "system.posix_acl_access", "u:65534:r")) {
		return
	}
	got, err := getxattr(p, "system.posix_acl_access")
	if wantOK(t, err, op("getxattr", "system.posix_acl_access")) {
		if ents, err := decodeACL(got); err != nil || fmt.Sprint(ents) != fmt.Sprint(mustDecode(acl)) {
			t.Errorf("ACL read back: %v (%v), want %v", ents, err, mustDecode(acl))
		}
	}
	// The group bits of the mode show the mask.
	if m := lstat(t, p).Mode & 0o777; m != 0o640 {
		t.Errorf("mode with an ACL of mask r--: %#o, want 0640", m)
	}
	fd, err := c.open(p, unix.O_RDONLY, 0)
	if wantOK(t, err, op("uid 65534: open", "file with ACL u:65534:r", "O_RDONLY")) {
		if r := c.do(request{Op: "read", Fd: fd, Len: 100}); string(r.Data) != "secret" {
			t.Errorf("uid 65534 read %q (%v) through the ACL", r.Data, r.err())
		}
		c.do(request{Op: "close", Fd: fd})
	}
	_, err = c.open(p, unix.O_WRONLY, 0)
	wantErr(t, err, op("uid 65534: open", "file with ACL u:65534:r", "O_WRONLY"), unix.EACCES)

	// Write permission for the named user, limited by the mask.
	must(t, unix.Lsetxattr(p, "system.posix_acl_access", nobodyACL(6, 4), 0), "setxattr")
	_, err = c.open(p, unix.O_WRONLY, 0)
	wantErr(t, err, op("uid 65534: open", "ACL u:65534:rw mask r", "O_WRONLY"), unix.EACCES)
	must(t, unix.Lsetxattr(p, "system.posix_acl_access", nobodyACL(6, 6), 0), "setxattr")
	fd, err = c.open(p, unix.O_WRONLY, 0)
	if wantOK(t, err, op("uid 65534: open", "ACL u:65534:rw mask rw", "O_WRONLY")) {
		c.do(request{Op: "close", Fd: fd})
	}

	// Without the ACL, the mode rules again.
	must(t, unix.Lremovexattr(p, "system.posix_acl_access"), "removexattr")
	chmod(t, p, 0o600)
	_, err = c.open(p, unix.O_RDONLY, 0)
	wantErr(t, err, op("uid 65534: open", "after removing the ACL", "O_RDONLY"), unix.EACCES)
}

func mustDecode(b []byte) []aclEntry {
	e, _ := decodeACL(b)
	return e
}

// aclMaskChmod: chmod of the group bits sets the ACL mask, which limits the
// named entries.
func aclMaskChmod(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o600)
	if !wantOK(t, unix.Lsetxattr(p, "system.posix_acl_access", nobodyACL(4, 4), 0), op("setxattr", "system.posix_acl_access")) {
		return
	}
	c := asNobody(t)
	fd, err := c.open(p, unix.O_RDONLY, 0)
	if wantOK(t, err, op("uid 65534: open", "u:65534:r mask r", "O_RDONLY")) {
		c.do(request{Op: "close", Fd: fd})
	}
	chmod(t, p, 0o600) // group bits 0: mask ---
	got, err := getxattr(p, "system.posix_acl_access")
	if wantOK(t, err, op("getxattr", "system.posix_acl_access after chmod 0600")) {
		ents, _ := decodeACL(got)
		for _, e := range ents {
			if e.tag == aclMask && e.perm != 0 {
				t.Errorf("ACL mask after chmod 0600: %o, want 0", e.perm)
			}
			if e.tag == aclUser && e.perm != 4 {
				t.Errorf("named user entry after chmod: %o, want it kept (4)", e.perm)
			}
		}
	}
	_, err = c.open(p, unix.O_RDONLY, 0)
	wantErr(t, err, op("uid 65534: open", "u:65534:r masked by chmod 0600", "O_RDONLY"), unix.EACCES)
}

// aclDefault: a directory's default ACL is inherited by new files (as their
// access ACL) and subdirectories (as both), and overrides the umask.
func aclDefault(t *testing.T, d string) {
	dir := j(d, "dir")
	mkdir(t, dir, 0o755)
	def := encodeACL(
		aclEntry{aclUserObj, 7, aclNoID},
		aclEntry{aclUser, 7, nobody},
		aclEntry{aclGroupObj, 5, aclNoID},
		aclEntry{aclMask, 7, aclNoID},
		aclEntry{aclOther, 5, aclNoID},
	)
	if !wantOK(t, unix.Lsetxattr(dir, "system.posix_acl_default", def, 0), op("setxattr", "dir", "system.posix_acl_default")) {
		return
	}
	if !wantOK(t, unix.Lsetxattr(dir, "system.posix_acl_access", def, 0), op("setxattr", "dir", "system.posix_acl_access")) {
		return
	}
	// Created by root under umask 022: the default ACL wins over the umask.
	fd := open(t, j(dir, "f"), unix.O_CREAT|unix.O_WRONLY, 0o666)
	closeFd(t, fd)
	if m := lstat(t, j(dir, "f")).Mode & 0o777; m != 0o664 {
		t.Errorf("file created 0666 in a directory with a default ACL (mask rwx): mode %#o, want 0664 (umask ignored)", m)
	}
	if got, err := getxattr(j(dir, "f"), "system.posix_acl_access"); wantOK(t, err, op("getxattr", "inherited access ACL")) {
		ents, _ := decodeACL(got)
		var user, mask bool
		for _, e := range ents {
			user = user || (e.tag == aclUser && e.id == nobody && e.perm == 7)
			mask = mask || (e.tag == aclMask && e.perm == 6)
		}
		if !user || !mask {
			t.Errorf("inherited access ACL %v: want user:65534:rwx kept and mask::rw- (rwx limited by the create mode 0666)", ents)
		}
	}
	mkdir(t, j(dir, "sub"), 0o777)
	if _, err := getxattr(j(dir, "sub"), "system.posix_acl_default"); err != nil {
		t.Errorf("subdirectory did not inherit the default ACL: %v", err)
	}
	// uid 65534 may create in the directory through its ACL entry.
	c := asNobody(t)
	fd, err := c.open(j(dir, "byNobody"), unix.O_CREAT|unix.O_WRONLY, 0o644)
	if wantOK(t, err, op("uid 65534: create", "in a root 0755 dir with ACL u:65534:rwx")) {
		c.do(request{Op: "close", Fd: fd})
		if st := lstat(t, j(dir, "byNobody")); st.Uid != nobody {
			t.Errorf("file created by uid 65534 is owned by %d", st.Uid)
		}
	}
}

// aclTools: setfacl and getfacl work on the file system.
func aclTools(t *testing.T, d string) {
	if _, err := exec.LookPath("setfacl"); err != nil {
		t.Skip("setfacl not installed (Debian package acl)")
	}
	p := j(d, "f")
	create(t, p, 0o640)
	out, err := exec.Command("setfacl", "-m", "u:65534:rw,g:65534:r", p).CombinedOutput()
	if err != nil {
		t.Fatalf("setfacl -m u:65534:rw,g:65534:r: %v: %s", err, out)
	}
	out, err = exec.Command("getfacl", "-n", "-p", p).CombinedOutput()
	if err != nil {
		t.Fatalf("getfacl: %v: %s", err, out)
	}
	for _, want := range []string{"user:65534:rw-", "group:65534:r--", "mask::rw-", "other::---"} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("getfacl output lacks %q:\n%s", want, out)
		}
	}
	c := asNobody(t)
	fd, err := c.open(p, unix.O_RDWR, 0)
	if wantOK(t, err, op("uid 65534: open", "file with setfacl u:65534:rw", "O_RDWR")) {
		c.do(request{Op: "close", Fd: fd})
	}
	if out, err := exec.Command("setfacl", "-b", p).CombinedOutput(); err != nil {
		t.Fatalf("setfacl -b: %v: %s", err, out)
	}
	_, err = c.open(p, unix.O_RDWR, 0)
	wantErr(t, err, op("uid 65534: open", "after setfacl -b", "O_RDWR"), unix.EACCES)
}
