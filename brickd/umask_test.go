package brickd

import (
	"encoding/binary"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// modesIn makes a file, a directory, a fifo and a symlink in dir with
// generous modes and umask 027, and returns their permission bits.
func (c *client) modesIn(dir []byte) map[string]uint32 {
	c.t.Helper()
	const umask = 0o027
	got := map[string]uint32{}
	cr, err := c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: dir, Name: []byte("f"), Gfid: newID(), Mode: 0o666,
		Flags: uint32(os.O_RDWR | os.O_EXCL), Caller: caller0, Umask: umask})
	must(c.t, err)
	c.release(cr.GetFd())
	md, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: dir, Name: []byte("d"), Gfid: newID(), Mode: 0o777, Caller: caller0, Umask: umask})
	must(c.t, err)
	mn, err := c.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: c.id, Parent: dir, Name: []byte("p"), Gfid: newID(), Mode: unix.S_IFIFO | 0o666, Caller: caller0, Umask: umask})
	must(c.t, err)
	sl, err := c.rpc.Symlink(ctx, &brickpb.SymlinkRequest{Session: c.id, Parent: dir, Name: []byte("l"), Gfid: newID(), Target: []byte("x"), Caller: caller0})
	must(c.t, err)
	for name, r := range map[string]interface {
		GetErrno() int32
		GetAttr() *brickpb.Attr
	}{"file": cr, "dir": md, "fifo": mn, "symlink": sl} {
		wantErrno(c.t, name, r.GetErrno(), 0)
		got[name] = r.GetAttr().GetMode() & 0o7777
	}
	return got
}

// defaultACL is the system.posix_acl_default value u::rwx,g::rwx,o::rwx.
func defaultACL() []byte {
	b := binary.LittleEndian.AppendUint32(nil, 2)    // POSIX_ACL_XATTR_VERSION
	for _, tag := range []uint16{0x01, 0x04, 0x20} { // USER_OBJ, GROUP_OBJ, OTHER
		b = binary.LittleEndian.AppendUint16(b, tag)
		b = binary.LittleEndian.AppendUint16(b, 7)
		b = binary.LittleEndian.AppendUint32(b, 0xffffffff)
	}
	return b
}

// TestUmask: the brick applies the request's umask, unless the parent has
// a default ACL, which then rules (as on a local disk).
func TestUmask(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	plain := c.mkdir(root, "plain")
	want := map[string]uint32{"file": 0o640, "dir": 0o750, "fifo": 0o640, "symlink": 0o777}
	if got := c.modesIn(plain); !equalModes(got, want) {
		t.Errorf("without a default ACL: %v, want %v (octal modes)", octal(got), octal(want))
	}
	acl := c.mkdir(root, "acl")
	sx, err := c.rpc.Setxattr(ctx, &brickpb.SetxattrRequest{Session: c.id, Gfid: acl, Name: []byte("system.posix_acl_default"), Value: defaultACL()})
	must(t, err)
	wantErrno(t, "set default ACL", sx.GetErrno(), 0)
	want = map[string]uint32{"file": 0o666, "dir": 0o777, "fifo": 0o666, "symlink": 0o777}
	if got := c.modesIn(acl); !equalModes(got, want) {
		t.Errorf("with a default ACL: %v, want %v (octal modes)", octal(got), octal(want))
	}
}

func equalModes(a, b map[string]uint32) bool {
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func octal(m map[string]uint32) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = "0" + strconv.FormatUint(uint64(v), 8)
	}
	return out
}
