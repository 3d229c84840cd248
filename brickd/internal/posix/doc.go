// Package posix owns one brick directory: the on-disk format
// (docs/on-disk-format.md), gfid resolution, the handle index, and every
// file operation confined to the brick root.
//
// Confinement is a security boundary. The rules, which every function here
// follows:
//   - A client name is one validated component (names.go); the brick's own
//     ".mortar" directory does not exist for clients.
//   - Every access is relative to a directory fd with an *at call that does
//     not follow the last component (AT_SYMLINK_NOFOLLOW, O_NOFOLLOW); no
//     path string of more than one client component is ever built.
//   - A gfid is resolved without the kernel following any symlink: a
//     non-directory by opening its hard link in .mortar/handles with
//     O_PATH|O_NOFOLLOW, a directory by reading its handle symlink, resolving
//     the parent the same way, opening the name beneath it with
//     O_DIRECTORY|O_NOFOLLOW and verifying the gfid xattr of what was
//     opened (resolve.go). Unknown gfids are ESTALE.
//   - The only links the kernel follows are the /proc/self/fd magic links
//     of fds this package holds, to reach the inode of an O_PATH fd for
//     xattrs, chmod, utimes, truncate and reopening (ref.go). Following
//     such a link lands on the inode itself, even when it is a symlink.
//     Real fds (directories, open files, files just made) are used with
//     the f* calls directly, which spares a walk through procfs.
//
// Every inode reference is an *Inode that owns one fd; callers Close it.
// Directory fds are cached (dircache.go), the cache hands out duplicates.
//
// The brick runs as root and does not check permissions: the client
// enforces them (FUSE default_permissions). New inodes are given the
// caller's uid and gid (ownership.go). The process umask is set to 0 by
// Open, so that modes are exactly those the client sent, less the umask
// it sent (NewInode.Umask; not under a default ACL).
//
// Errors are syscall.Errno values where one applies.
package posix
