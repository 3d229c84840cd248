package client

import (
	"context"
	"fmt"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// Create makes and opens the regular file (parent, name) with the gfid in.Gfid.
func (b *Brick) Create(ctx context.Context, parent fop.Gfid, name string, flags uint32, in fop.NewInode) (fop.Entry, fop.File, error) {
	var (
		ent  fop.Entry
		f    *file
		busy bool // the entry lock asked for was held by another
	)
	err := b.call(ctx, "create", entryName{parent, name}, func(ctx context.Context, s *session) (int32, error) {
		busy = false
		req := &brickpb.CreateRequest{
			Session: s.id, Parent: parent[:], Name: []byte(name), Gfid: in.Gfid[:],
			Mode: in.Mode, Flags: flags, Caller: fromCaller(in.Caller), Umask: in.Umask,
		}
		if l := in.Lock; l != nil {
			req.LockDomain, req.LockOwner, req.Pending = l.Domain, l.Owner, fromDeltas(l.Pending)
		}
		if u := in.EntryUnlock; u != nil {
			req.EntryUnlockDomain, req.EntryUnlockOwner = u.Domain, u.Owner
		}
		if l := in.EntryLock; l != nil {
			var (
				errno int32
				err   error
			)
			if busy, errno, err = b.createEntryLock(ctx, s, req, l); errno != 0 || err != nil {
				return errno, err
			}
		}
		r, err := b.rpc.Create(ctx, req)
		busy = busy || r.GetEntryLockBusy()
		if err != nil || r.GetErrno() != 0 {
			return r.GetErrno(), err
		}
		if in.Lock != nil {
			in.Lock.Granted = r.GetLocked()
		}
		if in.EntryUnlock != nil {
			in.EntryUnlock.Done = r.GetEntryUnlocked()
		}
		if ent, err = toEntry(r.GetAttr(), "", nil); err != nil {
			return 0, err
		}
		if pa := r.GetParentAttr(); pa != nil {
			a, err := toAttr(pa)
			if err != nil {
				return 0, err
			}
			ent.Parent = &a
		}
		f = &file{h: newHandle(b, ent.Gfid, false, flags, r.GetFd(), s)}
		return 0, nil
	})
	if err != nil && busy {
		return fop.Entry{}, nil, fmt.Errorf("%w: %w", fop.ErrEntryLockBusy, err)
	}
	if err != nil {
		return fop.Entry{}, nil, err
	}
	return ent, f, nil
}

// entryCall is call for an operation that answers with an EntryReply.
func (b *Brick) entryCall(ctx context.Context, op string, parent fop.Gfid, name string,
	rpc func(ctx context.Context, s *session) (*brickpb.EntryReply, error)) (fop.Entry, error) {
	var out fop.Entry
	err := b.call(ctx, op, entryName{parent, name}, func(ctx context.Context, s *session) (int32, error) {
		r, err := rpc(ctx, s)
		if err != nil || r.GetErrno() != 0 {
			return r.GetErrno(), err
		}
		out, err = toEntry(r.GetAttr(), r.GetLinkto(), r.GetPending())
		return 0, err
	})
	return out, err
}

// Mkdir makes the directory (parent, name) with the gfid in.Gfid.
func (b *Brick) Mkdir(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	return b.entryCall(ctx, "mkdir", parent, name, func(ctx context.Context, s *session) (*brickpb.EntryReply, error) {
		return b.rpc.Mkdir(ctx, &brickpb.MkdirRequest{
			Session: s.id, Parent: parent[:], Name: []byte(name), Gfid: in.Gfid[:], Mode: in.Mode, Caller: fromCaller(in.Caller), Umask: in.Umask,
		})
	})
}

// Mknod makes a fifo, socket, device or empty regular file.
func (b *Brick) Mknod(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	return b.entryCall(ctx, "mknod", parent, name, func(ctx context.Context, s *session) (*brickpb.EntryReply, error) {
		return b.rpc.Mknod(ctx, &brickpb.MknodRequest{
			Session: s.id, Parent: parent[:], Name: []byte(name), Gfid: in.Gfid[:],
			Mode: in.Mode, Rdev: in.Rdev, Caller: fromCaller(in.Caller), Umask: in.Umask,
		})
	})
}

// MknodLinkto makes the dht pointer file (parent, name) with the gfid of
// the file it points to, naming the replica set setName that holds the
// data. It is how mount/dht creates linkto files (fop.NewInode has no
// field for it); the replication layer offers the same method.
func (b *Brick) MknodLinkto(ctx context.Context, parent fop.Gfid, name string, gfid fop.Gfid, setName string) (fop.Entry, error) {
	return b.entryCall(ctx, "mknod linkto", parent, name, func(ctx context.Context, s *session) (*brickpb.EntryReply, error) {
		return b.rpc.Mknod(ctx, &brickpb.MknodRequest{
			Session: s.id, Parent: parent[:], Name: []byte(name), Gfid: gfid[:], Linkto: setName,
			Caller: &brickpb.Caller{}, // owned by root, like the brick's internal files
		})
	})
}

// Symlink makes the symbolic link (parent, name) → target.
func (b *Brick) Symlink(ctx context.Context, parent fop.Gfid, name, target string, in fop.NewInode) (fop.Entry, error) {
	return b.entryCall(ctx, "symlink", parent, name, func(ctx context.Context, s *session) (*brickpb.EntryReply, error) {
		return b.rpc.Symlink(ctx, &brickpb.SymlinkRequest{
			Session: s.id, Parent: parent[:], Name: []byte(name), Gfid: in.Gfid[:], Target: []byte(target), Caller: fromCaller(in.Caller),
		})
	})
}

// Link makes (newParent, newName) a hard link of the inode gfid.
func (b *Brick) Link(ctx context.Context, gfid, newParent fop.Gfid, newName string) (fop.Entry, error) {
	return b.entryCall(ctx, "link", newParent, newName, func(ctx context.Context, s *session) (*brickpb.EntryReply, error) {
		return b.rpc.Link(ctx, &brickpb.LinkRequest{Session: s.id, Gfid: gfid[:], NewParent: newParent[:], NewName: []byte(newName)})
	})
}

// Unlink removes the non-directory entry (parent, name).
func (b *Brick) Unlink(ctx context.Context, parent fop.Gfid, name string) error {
	return b.call(ctx, "unlink", entryName{parent, name}, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Unlink(ctx, &brickpb.EntryRequest{Session: s.id, Parent: parent[:], Name: []byte(name)})
		return r.GetErrno(), err
	})
}

// Rmdir removes the empty directory (parent, name).
func (b *Brick) Rmdir(ctx context.Context, parent fop.Gfid, name string) error {
	return b.call(ctx, "rmdir", entryName{parent, name}, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Rmdir(ctx, &brickpb.EntryRequest{Session: s.id, Parent: parent[:], Name: []byte(name)})
		return r.GetErrno(), err
	})
}

// Rename moves (oldParent, oldName) to (newParent, newName); flags are
// fop.RenameNoreplace or fop.RenameExchange, as renameat2(2).
func (b *Brick) Rename(ctx context.Context, oldParent fop.Gfid, oldName string, newParent fop.Gfid, newName string, flags uint32) error {
	_, err := b.RenameInode(ctx, oldParent, oldName, newParent, newName, flags)
	return err
}

// RenameInode is Rename that also returns the gfid of the inode moved, as
// the brick reports it (zero if it does not).
func (b *Brick) RenameInode(ctx context.Context, oldParent fop.Gfid, oldName string, newParent fop.Gfid, newName string, flags uint32) (fop.Gfid, error) {
	var moved fop.Gfid
	err := b.call(ctx, "rename", entryName{oldParent, oldName}, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Rename(ctx, &brickpb.RenameRequest{
			Session: s.id, OldParent: oldParent[:], OldName: []byte(oldName), NewParent: newParent[:], NewName: []byte(newName), Flags: flags,
		})
		moved = attrOf(r.GetAttr()).Gfid
		return r.GetErrno(), err
	})
	return moved, err
}

// createEntryLock asks for the entry lock l with the create req: in the
// request itself when the server has the feature, else by an Entrylk of
// its own first; busy: another holds it (with EAGAIN).
func (b *Brick) createEntryLock(ctx context.Context, s *session, req *brickpb.CreateRequest, l *fop.EntryLock) (busy bool, errno int32, err error) {
	if s.createEntryLock {
		req.EntryLockDomain, req.EntryLockOwner = l.Domain, l.Owner
		return false, 0, nil
	}
	r, err := b.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{
		Session: s.id, Parent: req.GetParent(), Name: req.GetName(), Domain: l.Domain,
		Cmd: brickpb.LkCmd_LK_SET, Type: brickpb.LockType_LOCK_WRITE, Owner: l.Owner,
	})
	return r.GetErrno() == int32(syscall.EAGAIN), r.GetErrno(), err
}
