package fop

import (
	"fmt"
	"syscall"
)

// Timespec is a point in time as the kernel keeps it.
type Timespec struct {
	Sec  int64
	Nsec uint32
}

// Attr is the stat of an inode.
type Attr struct {
	Gfid    Gfid
	Mode    uint32 // S_IFMT type bits and 07777 permission bits
	Nlink   uint32
	Uid     uint32
	Gid     uint32
	Rdev    uint64
	Size    uint64
	Blocks  uint64 // 512-byte blocks
	Blksize uint32
	Atime   Timespec
	Mtime   Timespec
	Ctime   Timespec
}

// Entry is what a lookup finds: the inode, plus what the layers below
// fusefs need to know about the entry.
type Entry struct {
	Attr
	// Linkto is set for a dht pointer file: the name of the replica set
	// that holds the data. dht follows it; no layer above dht sees one.
	Linkto string
	// Pending holds the inode's changelog counters, for afr.
	Pending []Pending
	// Parent, from an operation that made the entry, is the parent
	// directory's attributes right after it, when the brick read them.
	Parent *Attr
}

// Caller is the identity a new inode is made for.
type Caller struct {
	Uid uint32
	Gid uint32
	Pid uint32
}

// NewInode describes an inode to create. The layer that starts the
// operation (fusefs, or the heal engine) picks the gfid.
type NewInode struct {
	Gfid   Gfid
	Mode   uint32 // type bits where they matter (Mknod) and permission bits, umask applied
	Rdev   uint64 // Mknod of a device
	Caller Caller
	// Umask of the creating process. The brick applies it unless the
	// parent directory has a default ACL, which then rules, as on a local
	// disk; Mode is then the mode the process asked for.
	Umask uint32
	// Lock, for Create, asks the brick for the new file's first inode
	// lock and pre-op (afr's first data transaction) with the file.
	Lock *CreateLock
	// EntryUnlock, for Create, asks the brick to release the caller's
	// entry lock on the new name once it made the file.
	EntryUnlock *EntryUnlock
	// EntryLock, for Create, asks the brick to take the caller's entry
	// lock on the new name, without waiting, before it does anything.
	EntryLock *EntryLock
}

// EntryLock is an entry lock a Create takes first, in the same round
// trip. The lock is held after the call whatever its outcome, unless the
// call fails with ErrEntryLockBusy: another held it, and the call did
// nothing.
type EntryLock struct {
	Domain string
	Owner  uint64
}

// ErrEntryLockBusy is a Create's error when the EntryLock it asked for
// was held by another (it wraps EAGAIN).
var ErrEntryLockBusy = fmt.Errorf("entry lock held by another: %w", syscall.EAGAIN)

// EntryUnlock is an entry lock a Create releases when it made the file.
type EntryUnlock struct {
	Domain string
	Owner  uint64
	// Done is set by the brick client: the brick released the lock.
	Done bool
}

// CreateLock is the lock and pre-op a Create makes on the file it makes:
// the lock on the requested gfid before the name appears, and the
// changelog deltas applied to the new inode.
type CreateLock struct {
	Domain  string
	Owner   uint64
	Pending []PendingDelta
	// Granted is set by the brick client: the brick made the file, holds
	// the lock and applied Pending.
	Granted bool
}

// Setattr valid bits (the same values as the wire's SetattrValid).
const (
	SetMode     = 1
	SetUid      = 2
	SetGid      = 4
	SetSize     = 8
	SetAtime    = 16
	SetMtime    = 32
	SetAtimeNow = 64
	SetMtimeNow = 128
)

// SetattrIn says which attributes to change and to what.
type SetattrIn struct {
	Valid uint32 // Set* bits
	Mode  uint32 // permission bits
	Uid   uint32
	Gid   uint32
	Size  uint64
	Atime Timespec
	Mtime Timespec
}

// Rename flags, as renameat2(2).
const (
	RenameNoreplace = 1
	RenameExchange  = 2
)

// Dirent is one directory entry with its inode's attributes.
type Dirent struct {
	Name   string
	Cookie uint64 // resume point after this entry
	Entry
}

// Statfs is the capacity of a volume.
type Statfs struct {
	Blocks  uint64
	Bfree   uint64
	Bavail  uint64
	Files   uint64
	Ffree   uint64
	Bsize   uint32
	Frsize  uint32
	Namelen uint32
}

// Lock types (the same values as the wire's LockType).
const (
	LockRead   = 0
	LockWrite  = 1
	LockUnlock = 2
)

// LockToEOF is the End of a lock that reaches to the end of the file.
const LockToEOF = ^uint64(0)

// Lock is a byte-range or flock lock.
type Lock struct {
	Type  int    // LockRead, LockWrite or LockUnlock
	Start uint64 // first byte
	End   uint64 // last byte, inclusive; LockToEOF for the whole rest
	Pid   uint32
	Owner uint64
	Flock bool // flock(2): whole file, owned by the open file
	// PostOp, for the unlock of an internal lock (Inodelk) only: changelog
	// deltas the brick adds to the inode's counters before it releases
	// the lock — a transaction's post-op and unlock in one round trip.
	// The lock is released even when they fail; the error is theirs.
	PostOp []PendingDelta
}

// EventKind says what a change notification is about.
type EventKind int

const (
	// EventEntry: the entry (Parent, Name) appeared, vanished or changed inode.
	EventEntry EventKind = iota + 1
	// EventInode: the data or attributes of Gfid changed.
	EventInode
	// EventOverflow: notifications were lost; every cache is suspect.
	EventOverflow
	// EventLockContention: another client waits for an internal lock this
	// client holds on Gfid in Domain (replication releases eager locks).
	EventLockContention
)

// Event is a change made by another client, reported by a brick.
type Event struct {
	Kind   EventKind
	Gfid   Gfid
	Parent Gfid
	Name   string
	Domain string // EventLockContention
}

// Pending is one changelog counter set: operations on the inode that the
// brick BrickID missed or that are still in flight.
type Pending struct {
	BrickID  string
	Data     uint32
	Metadata uint32
	Entry    uint32
}

// PendingDelta is added to a Pending atomically by Xattrop.
type PendingDelta struct {
	BrickID  string
	Data     int32
	Metadata int32
	Entry    int32
}
