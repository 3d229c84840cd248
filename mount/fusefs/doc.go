// Package fusefs is the FUSE layer of the mortar client: it serves one
// fop.Volume to the kernel through go-fuse's fs API. It owns the kernel
// side of the client and nothing else: inode numbers, the translation of
// FUSE requests into fop calls, errno conversion, open file and directory
// handles, write-behind, the bookkeeping that close(2) needs for POSIX
// locks, and kernel cache invalidation driven by the volume's change notifications. Names,
// placement, replication and the wire live in the layers below.
//
// # Inodes
//
// Every inode is one *node holding its gfid; the kernel's node id and
// inode number are both gfid.Ino() (the root is 1), so an invalidation
// for a gfid needs no table lookup. A table inode number → *node holds
// the inodes the kernel knows; nodes leave it in OnForget, so memory is
// bounded by the kernel's own inode cache. Lookups return the node
// already in the table for a gfid, so hard links share one node.
//
// # Errors
//
// Every fop error goes through toErrno (errno.go): a wrapped
// syscall.Errno is used as is, context cancellation becomes EINTR, and
// anything unknown becomes EIO. ENOSYS is never passed up from below:
// the kernel would take it as "operation not implemented" and stop
// sending it for the rest of the mount (xattrs, flush, fsync, ...).
//
// # Caching
//
// Entry, attribute and negative timeouts come from Options. Files are
// opened with FOPEN_KEEP_CACHE: the page cache survives close and open,
// and stays true because the volume's change notifications invalidate it
// (notify.go), and because the kernel drops pages when it sees a new
// mtime or size. The kernel writeback cache stays off. Opens with
// O_APPEND bypass the page cache (FOPEN_DIRECT_IO): the brick appends at
// its own end of file, which may differ from the kernel's cached size.
//
// # Write-behind
//
// Writes to files opened without O_SYNC, O_DSYNC, O_DIRECT or O_APPEND
// are answered once copied and made in the background, in order where
// they overlap (writebehind.go); everything that must see them waits for
// the inode's queue first, close(2) included, and a failure reaches the
// file's next write, fsync or close.
//
// # Directories
//
// A directory handle opens the directory in the volume at opendir and
// keeps it open until releasedir, so that a directory removed meanwhile
// still answers fstat. It reads the whole directory on its first read
// after opendir or rewinddir and serves that snapshot with offsets
// index+1, so a listing is stable under concurrent creates and each entry
// appears once. READDIRPLUS lookups are answered from the snapshot's attributes;
// entries changed since the snapshot (by this client or, through
// notifications, by others) fall back to a real lookup (changes.go).
//
// # Access times
//
// Reads served from the page cache never reach the volume, so an open
// for reading updates a stale atime (relatime's rule, on the times the
// kernel was last given) by reading one byte through the new open file,
// and drops the kernel's cached attributes (atime.go).
//
// # Locks and close
//
// go-fuse's Flush carries no lock owner, yet close(2) must release the
// closing process's POSIX locks. Each node remembers which lock owners
// took POSIX locks, by thread group id; a FLUSH from that process
// releases them through fop.File.Flush. A FLUSH from a process that took
// no locks costs no round trip.
//
// # Invalidation
//
// The volume's notifications go into a bounded queue that never blocks;
// one goroutine per mount drains it and calls the kernel, never from
// inside a FUSE request and never holding a lock. On overflow every known
// inode is invalidated.
package fusefs
