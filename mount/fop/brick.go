package fop

import "context"

// Lock commands for the internal locks of replication.
const (
	LkGet  = 0
	LkSet  = 1
	LkSetw = 2 // wait until granted or the context ends
)

// Brick is one brick seen by the client: a Volume, plus the internal locks
// and changelog counters that replication builds its transactions from.
type Brick interface {
	Volume
	// Name is the brick's address and name, for logs ("127.0.0.1:7501/b1").
	Name() string
	// ID is the brick's uuid, as written in its brick.json; it names the
	// brick's changelog counters. Empty until the first session is up.
	ID() string
	Inodelk(ctx context.Context, gfid Gfid, domain string, cmd int, lk Lock) error
	Entrylk(ctx context.Context, parent Gfid, name, domain string, cmd, typ int, owner uint64) error
	Xattrop(ctx context.Context, gfid Gfid, deltas []PendingDelta) ([]Pending, error)

	// Connected reports whether the brick has a live session now; calls on
	// a brick that is not connected fail without waiting long.
	Connected() bool
	// IndexList returns up to max gfids of the brick's index ("dirty":
	// inodes with non-zero changelog counters) after the gfid after, in
	// ascending order, and whether the end was reached.
	IndexList(ctx context.Context, index string, after Gfid, max int) ([]Gfid, bool, error)
	// Rchecksum returns the SHA-256 of each chunk-sized piece of the file
	// from off over length bytes; pieces past the end of file are absent.
	Rchecksum(ctx context.Context, gfid Gfid, off, length int64, chunk int) ([][32]byte, error)
}

// LaterEntryUnlocker is a Brick that can send an entry unlock nobody
// waits for (the end of a transaction) with its next call to the brick,
// a few milliseconds later at most, instead of on its own.
type LaterEntryUnlocker interface {
	EntryUnlockLater(ctx context.Context, parent Gfid, name, domain string, owner uint64) error
}

// InodeRenamer is a Brick that reports which inode a rename moved: the
// gfid its old name held on that brick. Replication compares it across
// bricks, so that a brick whose old name held another inode (a stale
// entry it missed the change of) is accused rather than agreeing by
// accident.
type InodeRenamer interface {
	RenameInode(ctx context.Context, oldParent Gfid, oldName string, newParent Gfid, newName string, flags uint32) (Gfid, error)
}
