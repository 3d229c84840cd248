package heal_test

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
)

// POSIX ACL tags and the id of entries without one.
const (
	aclUserObj  = 0x01
	aclUser     = 0x02
	aclGroupObj = 0x04
	aclMask     = 0x10
	aclOther    = 0x20
	aclNoID     = 0xffffffff
)

// acl encodes system.posix_acl_* (version 2; entries tag, perm, id).
func acl(entries ...[3]uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 2)
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint16(b, uint16(e[0]))
		b = binary.LittleEndian.AppendUint16(b, uint16(e[1]))
		b = binary.LittleEndian.AppendUint32(b, e[2])
	}
	return b
}

var testACL = acl([3]uint32{aclUserObj, 6, aclNoID}, [3]uint32{aclUser, 4, 1000},
	[3]uint32{aclGroupObj, 4, aclNoID}, [3]uint32{aclMask, 4, aclNoID}, [3]uint32{aclOther, 0, aclNoID})

// TestMetadataHeal: owner, mode (with a set-id bit), times, user.,
// security. and ACL extended attributes are copied; extra ones removed.
func TestMetadataHeal(t *testing.T) {
	f := newFixture(t, 3, heal.Options{}, false)
	file := f.file(fop.RootGfid, "f", fop.NewGfid(), 0o644, f.all()...)
	dir := f.dir(fop.RootGfid, "d", fop.NewGfid(), f.all()...)
	link := fop.NewGfid()
	for _, i := range f.all() {
		_, err := f.bricks[i].Symlink(ctx, fop.RootGfid, "l", "f", fop.NewInode{Gfid: link, Mode: 0o777})
		f.must(err)
	}
	for _, g := range []fop.Gfid{file, dir} {
		f.setMeta(g, 0, 1)
		f.xattr(g, "user.a", "0", 2)
		f.xattr(g, "user.c", "extra", 2)
		f.times(g, 1_500_000_000, 2)
	}
	f.xattr(dir, "system.posix_acl_default", string(testACL), 0, 1)
	f.chmod(file, 0o2640, 0, 1)
	f.chmod(dir, 0o1750, 0, 1)
	_, err := f.bricks[0].Setattr(ctx, link, fop.SetattrIn{Valid: fop.SetUid | fop.SetGid, Uid: 7, Gid: 8})
	f.must(err)
	_, err = f.bricks[1].Setattr(ctx, link, fop.SetattrIn{Valid: fop.SetUid | fop.SetGid, Uid: 7, Gid: 8})
	f.must(err)
	f.times(link, 1_650_000_000, f.all()...)
	f.settle()
	for _, g := range []fop.Gfid{file, dir, link} {
		f.missed(g, afr.Metadata, 2)
	}
	for _, g := range []fop.Gfid{file, dir, link} {
		if r := f.heal(g); !slices.Equal(r.Healed, []afr.Kind{afr.Metadata}) {
			t.Errorf("heal %s: %+v", g, r)
		}
	}
	f.equal()
	for _, g := range []fop.Gfid{file, dir, link} {
		if r := f.heal(g); !r.Clean() {
			t.Errorf("second heal of %s: %+v", g, r)
		}
	}
}

// setMeta gives g an owner, ACL, xattrs and times on the bricks of on.
func (f *fixture) setMeta(g fop.Gfid, on ...int) {
	f.t.Helper()
	for _, i := range on {
		_, err := f.bricks[i].Setattr(ctx, g, fop.SetattrIn{Valid: fop.SetUid | fop.SetGid, Uid: 1000, Gid: 2000})
		f.must(err)
	}
	f.xattr(g, "system.posix_acl_access", string(testACL), on...)
	f.xattr(g, "user.a", "1", on...)
	f.xattr(g, "user.b", "2", on...)
	f.xattr(g, "security.mortar-test", "label", on...)
	f.xattr(g, "trusted.app", "root's", on...)
	f.times(g, 1_600_000_123, on...)
}

func (f *fixture) xattr(g fop.Gfid, name, value string, on ...int) {
	f.t.Helper()
	for _, i := range on {
		f.must(f.bricks[i].Setxattr(ctx, g, name, []byte(value), 0))
	}
}

func (f *fixture) chmod(g fop.Gfid, mode uint32, on ...int) {
	f.t.Helper()
	for _, i := range on {
		_, err := f.bricks[i].Setattr(ctx, g, fop.SetattrIn{Valid: fop.SetMode, Mode: mode})
		f.must(err)
	}
}
